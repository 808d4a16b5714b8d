/**
 * Every board in a Kafka boards' topic, by one read of each partition's
 * keys (values only for each board's last record): what the operator's
 * tools need that the log's interface does not give, since a board is
 * only ever read by id. `npm run migrate` counts what each board already
 * has on Kafka with it, and a backup lists the boards to export.
 *
 * Keys are `<board>/<suffix>`, or the board id alone on older topics
 * (record-format.ts); tombstones (erased records) are not counted. An
 * erased board's records may still be counted until the cleaner removes
 * them; reading such a board gives nothing (kafka-erase.ts).
 */
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import type { LogRecord } from '../../protocol/messages.ts';
import { RangeReader } from './range-reader.ts';
import { boardOfKey, decodeMessage } from './record-format.ts';
import type { KafkaSettings } from './settings.ts';
import { kafkaClientConfig } from './client-config.ts';

export type BoardTally = {
  /** Records of the board in the topic. */
  records: number;
  /** Its last record (null when that one is not in our format). */
  last: LogRecord | null;
};

type Message = { key: Buffer | null; value: Buffer | null; offset: string; timestamp: string };

/** Tallies every board of the topic up to its end as the call starts. */
export async function tallyBoards(settings: KafkaSettings, logger: Logger): Promise<Map<string, BoardTally>> {
  const kafka = new Kafka({ ...kafkaClientConfig(settings), clientId: `${settings.clientId}-tally`, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const counts = new Map<string, number>();
  const lasts = new Map<string, Message>();
  let reader: RangeReader | null = null;
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(settings.topic)) return new Map();
    const bounds = await admin.fetchTopicOffsets(settings.topic);
    reader = await RangeReader.open(kafka, admin, [settings.topic], `${settings.groupPrefix}-tally`, logger);
    for (const { partition, low, high } of bounds) {
      for await (const page of reader.read(settings.topic, partition, Number(low), Number(high))) {
        for (const message of page) {
          if (!message.key || !message.value) continue;
          const board = boardOfKey(message.key);
          counts.set(board, (counts.get(board) ?? 0) + 1);
          lasts.set(board, message);
        }
      }
    }
  } finally {
    await reader?.close();
    await admin.disconnect();
  }
  const tallies = new Map<string, BoardTally>();
  for (const [board, records] of counts) tallies.set(board, { records, last: decodeMessage(lasts.get(board)!, board) });
  return tallies;
}
