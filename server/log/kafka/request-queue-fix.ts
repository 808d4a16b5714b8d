/**
 * A fix to kafkajs 2.2.4's request queue: without it, every connection to a
 * broker spins a 1 ms timer for as long as it is open.
 *
 * After each response, `scheduleCheckPendingRequests` sets a timer to look
 * at the queue of requests held back (client-side throttling, too many in
 * flight). With nothing held back and no throttling, its delay is
 * `throttledUntil - Date.now()`, a large negative number, which Node runs
 * as 1 ms; the timer's callback schedules the next one, and so on
 * (kafkajs issues #1556 and #1704; fixes proposed upstream are unmerged, and
 * 2.2.4 is the last release). One instance holds a dozen connections
 * (producers, three consumer groups, the admin): an idle instance woke
 * about 1,500 times a second and spent 5-6% of a core doing nothing.
 *
 * The timer is needed only while requests are held back: an empty queue
 * has nothing to check, and a request held back later schedules its own
 * check when it is queued (`push`). Held back while throttled, the check
 * runs when the throttle ends; otherwise after kafkajs's 10 ms, as before.
 */
import { createRequire } from 'node:module';

/** kafkajs's CHECK_PENDING_REQUESTS_INTERVAL. */
const CHECK_PENDING_MS = 10;

interface RequestQueueState {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}

function scheduleCheckPendingRequests(this: RequestQueueState): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_MS);
}

let installed = false;

/** Replaces the method on kafkajs's RequestQueue, for every client of this process (idempotent). */
export function installRequestQueueFix(): void {
  if (installed) return;
  // Not among kafkajs's typed exports: its class is reached by path (the package has no exports map).
  const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as { prototype: Record<string, unknown> };
  if (typeof RequestQueue.prototype.scheduleCheckPendingRequests !== 'function' || typeof RequestQueue.prototype.checkPendingRequests !== 'function') {
    throw new Error('kafkajs RequestQueue has changed: review server/log/kafka/request-queue-fix.ts against the installed kafkajs');
  }
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  installed = true;
}
