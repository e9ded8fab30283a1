//! The background sender: one queue per order, one tokio task per non-empty queue, a record of
//! every delivery for inspection.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::watch;

use super::{Delivery, DeliveryAttempt, DeliveryOutcome};

/// How a notifier retries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub(crate) retries: u32,
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
}

/// Sends notifications in the background. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Notifier {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    client: Option<reqwest::Client>,
    runtime: Option<Handle>,
    policy: RetryPolicy,
    state: Mutex<State>,
    /// Deliveries not finished yet.
    pending: watch::Sender<usize>,
}

#[derive(Debug)]
struct State {
    /// The most recent deliveries; `deliveries[0]` has the id `first_id`.
    deliveries: VecDeque<Delivery>,
    first_id: u64,
    next_id: u64,
    limit: usize,
    /// Deliveries waiting behind the one being sent, per `(ShopID, OrderID)`. A key is present
    /// exactly while a task works on that order.
    queues: HashMap<(String, String), VecDeque<Job>>,
}

#[derive(Debug)]
struct Job {
    id: u64,
    url: String,
    body: String,
}

/// What a new delivery is about.
#[derive(Debug)]
pub(crate) struct Envelope {
    pub(crate) url: String,
    pub(crate) body: String,
    pub(crate) record: Delivery,
}

impl Notifier {
    /// A notifier sending on the current tokio runtime (if any), keeping at most `limit`
    /// delivery records.
    pub(crate) fn new(policy: RetryPolicy, limit: usize) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| tracing::warn!(%error, "gmo-sandbox cannot send notifications"))
            .ok();
        Self {
            shared: Arc::new(Shared {
                client,
                runtime: Handle::try_current().ok(),
                policy,
                state: Mutex::new(State {
                    deliveries: VecDeque::new(),
                    first_id: 1,
                    next_id: 1,
                    limit,
                    queues: HashMap::new(),
                }),
                pending: watch::Sender::new(0),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state()
    }

    /// Queues a delivery behind those of the same order; returns its id.
    pub(crate) fn enqueue(&self, order: (String, String), envelope: Envelope) -> u64 {
        let Envelope {
            url,
            body,
            mut record,
        } = envelope;
        let mut state = self.state();
        let id = state.next_id;
        state.next_id += 1;
        record.id = id;
        state.deliveries.push_back(record);
        if state.deliveries.len() > state.limit {
            state.deliveries.pop_front();
            state.first_id += 1;
        }
        let job = Job { id, url, body };
        let start = match state.queues.get_mut(&order) {
            Some(queue) => {
                queue.push_back(job);
                None
            }
            None => {
                state.queues.insert(order.clone(), VecDeque::new());
                Some(job)
            }
        };
        drop(state);
        self.shared.pending.send_modify(|n| *n += 1);
        if let Some(job) = start {
            match &self.shared.runtime {
                Some(runtime) => {
                    runtime.spawn(work(self.shared.clone(), order, job));
                }
                None => {
                    // Without a runtime nothing can be sent: give every delivery up at once.
                    let shared = self.shared.clone();
                    let mut job = Some(job);
                    while let Some(j) = job {
                        shared.finish(
                            j.id,
                            DeliveryAttempt::ConnectionFailed {
                                error: "no tokio runtime to send on".to_owned(),
                            },
                            DeliveryOutcome::GaveUp,
                        );
                        job = shared.next_job(&order);
                    }
                }
            }
        }
        id
    }

    /// Every delivery still on record, oldest first.
    pub(crate) fn deliveries(&self) -> Vec<Delivery> {
        self.state().deliveries.iter().cloned().collect()
    }

    /// Forgets the records (deliveries under way still finish).
    pub(crate) fn forget(&self) {
        let mut state = self.state();
        state.deliveries.clear();
        state.first_id = state.next_id;
    }

    /// Waits until no delivery is pending, at most `timeout`; whether none is.
    pub(crate) async fn settled(&self, timeout: Duration) -> bool {
        let mut pending = self.shared.pending.subscribe();
        tokio::time::timeout(timeout, pending.wait_for(|n| *n == 0))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn with_record(&self, id: u64, f: impl FnOnce(&mut Delivery)) {
        let mut state = self.state();
        let Some(index) = id.checked_sub(state.first_id) else {
            return;
        };
        if let Some(record) = usize::try_from(index)
            .ok()
            .and_then(|i| state.deliveries.get_mut(i))
        {
            f(record);
        }
    }

    /// Records an attempt, and the outcome when it is final.
    fn finish(&self, id: u64, attempt: DeliveryAttempt, outcome: DeliveryOutcome) {
        self.with_record(id, |record| {
            record.attempts.push(attempt);
            record.outcome = outcome;
        });
        if outcome != DeliveryOutcome::Pending {
            self.pending.send_modify(|n| *n = n.saturating_sub(1));
        }
    }

    /// The next delivery of an order, or `None` (and the order's queue is gone).
    fn next_job(&self, order: &(String, String)) -> Option<Job> {
        let mut state = self.state();
        let next = state.queues.get_mut(order).and_then(VecDeque::pop_front);
        if next.is_none() {
            state.queues.remove(order);
        }
        next
    }
}

/// Delivers the jobs of one order, one after the other.
async fn work(shared: Arc<Shared>, order: (String, String), first: Job) {
    let mut job = Some(first);
    while let Some(j) = job {
        deliver(&shared, j).await;
        job = shared.next_job(&order);
    }
}

async fn deliver(shared: &Shared, job: Job) {
    let policy = shared.policy;
    for attempt in 0..=policy.retries {
        if attempt > 0 {
            tokio::time::sleep(policy.interval).await;
        }
        let result = send_once(shared.client.as_ref(), &job, policy.timeout).await;
        let outcome = if result == DeliveryAttempt::Acknowledged {
            DeliveryOutcome::Delivered
        } else if attempt == policy.retries {
            DeliveryOutcome::GaveUp
        } else {
            DeliveryOutcome::Pending
        };
        tracing::debug!(
            id = job.id,
            attempt,
            ?result,
            "gmo-sandbox notification attempt"
        );
        shared.finish(job.id, result, outcome);
        if outcome != DeliveryOutcome::Pending {
            return;
        }
    }
}

async fn send_once(
    client: Option<&reqwest::Client>,
    job: &Job,
    timeout: Duration,
) -> DeliveryAttempt {
    let Some(client) = client else {
        return DeliveryAttempt::ConnectionFailed {
            error: "no HTTP client".to_owned(),
        };
    };
    let exchange = async {
        let response = client
            .post(&job.url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(job.body.clone())
            .send()
            .await?;
        let status = response.status().as_u16();
        let body = response.bytes().await?;
        Ok::<_, reqwest::Error>((status, body))
    };
    match tokio::time::timeout(timeout, exchange).await {
        Err(_) => DeliveryAttempt::TimedOut,
        Ok(Err(error)) if error.is_timeout() => DeliveryAttempt::TimedOut,
        Ok(Err(error)) => DeliveryAttempt::ConnectionFailed {
            error: error_chain(&error),
        },
        Ok(Ok((200, body))) if body.as_ref() == b"0" => DeliveryAttempt::Acknowledged,
        Ok(Ok((http_status, body))) => DeliveryAttempt::Refused {
            http_status,
            body: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        },
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
