//! Connects that wait for their association to come up, without I/O: the engine feeds in
//! ASSOC_CHANGE notifications, closed endpoints and the clock, and gets back the connects
//! that are finished with their outcome. Tested on the host.

use super::{EpId, Reply};
use crate::info::AssocState;
use crate::notification::AssocChangeState;
use crate::{AssocId, Error};
use std::time::Instant;

/// A connect waiting for COMM_UP.
#[derive(Debug)]
struct Pending {
    request: u64,
    command: String,
    ep: EpId,
    /// The id connectx returned, or 0 when the kernel did not say (one-to-one sockets).
    assoc: AssocId,
    deadline: Instant,
}

/// A connect that has its answer.
#[derive(Debug, PartialEq)]
pub struct Finished {
    /// The request the reply goes to.
    pub request: u64,
    /// The endpoint that connected.
    pub ep: EpId,
    /// The command, described.
    pub command: String,
    /// The association, or why it did not come up.
    pub outcome: Result<Reply, Error>,
}

/// Every connect waiting for its association.
#[derive(Debug, Default)]
pub struct Connects {
    pending: Vec<Pending>,
}

impl Connects {
    /// Waits for `assoc` on `ep` to come up until `deadline`.
    pub fn wait(&mut self, request: u64, command: String, ep: EpId, assoc: AssocId, deadline: Instant) {
        self.pending.push(Pending { request, command, ep, assoc, deadline });
    }

    /// The earliest deadline, for the poll timeout.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.pending.iter().map(|c| c.deadline).min()
    }

    /// An ASSOC_CHANGE on `ep`: COMM_UP answers the connect waiting for that association
    /// (or for any, when its id was unknown); CANT_STR_ASSOC and the other states fail it.
    pub fn assoc_change(&mut self, ep: EpId, assoc: AssocId, state: AssocChangeState) -> Option<Finished> {
        let i = self.pending.iter().position(|c| c.ep == ep && (c.assoc == assoc || c.assoc == AssocId(0)))?;
        let c = self.pending.remove(i);
        let outcome = match state {
            AssocChangeState::CommUp => Ok(Reply::Assoc { assoc }),
            other => Err(Error::gone(c.command.clone(), format!("association did not come up: {other:?}"))),
        };
        Some(Finished { request: c.request, ep: c.ep, command: c.command, outcome })
    }

    /// The endpoint closed: its waiting connects fail.
    pub fn endpoint_closed(&mut self, ep: EpId) -> Vec<Finished> {
        let (gone, keep) = std::mem::take(&mut self.pending).into_iter().partition(|c| c.ep == ep);
        self.pending = keep;
        gone.into_iter()
            .map(|c: Pending| {
                let detail = format!("ep{} was closed before the association came up", ep.0);
                let outcome = Err(Error::gone(c.command.clone(), detail));
                Finished { request: c.request, ep: c.ep, command: c.command, outcome }
            })
            .collect()
    }

    /// The connects whose deadline has passed at `now`. `state_of` asks the kernel where
    /// the association is: one already established (its COMM_UP unseen, e.g. unsubscribed)
    /// succeeds; any other state, or none, times out saying which.
    pub fn expire(
        &mut self,
        now: Instant,
        mut state_of: impl FnMut(EpId, AssocId) -> Option<AssocState>,
    ) -> Vec<Finished> {
        let (expired, waiting) = std::mem::take(&mut self.pending).into_iter().partition(|c| c.deadline <= now);
        self.pending = waiting;
        expired
            .into_iter()
            .map(|c: Pending| {
                let outcome = match state_of(c.ep, c.assoc) {
                    Some(AssocState::Established) => Ok(Reply::Assoc { assoc: c.assoc }),
                    Some(state) => Err(Error::timed_out(
                        c.command.clone(),
                        format!("no COMM_UP in time; association {} is {state:?}", c.assoc.0),
                    )),
                    None => Err(Error::timed_out(
                        c.command.clone(),
                        format!("no COMM_UP in time; association {} is gone", c.assoc.0),
                    )),
                };
                Finished { request: c.request, ep: c.ep, command: c.command, outcome }
            })
            .collect()
    }

    /// How many connects wait.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether none wait.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use std::time::Duration;

    fn two_waiting(t0: Instant) -> Connects {
        let mut c = Connects::default();
        c.wait(1, "connect a".into(), EpId(1), AssocId(5), t0 + Duration::from_millis(100));
        c.wait(2, "connect b".into(), EpId(2), AssocId(0), t0 + Duration::from_millis(50));
        c
    }

    #[test]
    fn comm_up_answers_only_its_own_connect() {
        let t0 = Instant::now();
        let mut c = two_waiting(t0);
        assert_eq!(c.next_deadline(), Some(t0 + Duration::from_millis(50)));
        assert_eq!(c.assoc_change(EpId(1), AssocId(6), AssocChangeState::CommUp), None, "another association");
        let f = c.assoc_change(EpId(1), AssocId(5), AssocChangeState::CommUp).unwrap();
        assert_eq!((f.request, f.outcome), (1, Ok(Reply::Assoc { assoc: AssocId(5) })));
        // Id unknown at connect time (one-to-one): the first association on the endpoint is it.
        let f = c.assoc_change(EpId(2), AssocId(9), AssocChangeState::CommUp).unwrap();
        assert_eq!(f.outcome, Ok(Reply::Assoc { assoc: AssocId(9) }));
        assert!(c.is_empty());
        assert_eq!(c.next_deadline(), None);
    }

    #[test]
    fn cant_start_fails_as_gone() {
        let mut c = two_waiting(Instant::now());
        let f = c.assoc_change(EpId(1), AssocId(5), AssocChangeState::CantStartAssoc).unwrap();
        let e = f.outcome.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Gone);
        assert!(e.to_string().contains("did not come up: CantStartAssoc"), "{e}");
    }

    #[test]
    fn deadlines_expire_in_order_and_ask_the_kernel_once_each() {
        let t0 = Instant::now();
        let mut c = two_waiting(t0);
        let mut asked = Vec::new();
        assert!(
            c.expire(t0 + Duration::from_millis(49), |ep, a| {
                asked.push((ep, a));
                None
            })
            .is_empty()
        );
        let first = c.expire(t0 + Duration::from_millis(50), |ep, a| {
            asked.push((ep, a));
            Some(AssocState::CookieWait)
        });
        assert_eq!(first.len(), 1);
        let e = first[0].outcome.clone().unwrap_err();
        assert_eq!((first[0].request, e.kind), (2, ErrorKind::TimedOut));
        assert!(e.to_string().contains("no COMM_UP in time; association 0 is CookieWait"), "{e}");
        // Established without a COMM_UP seen (unsubscribed): success, not a timeout.
        let second = c.expire(t0 + Duration::from_secs(1), |ep, a| {
            asked.push((ep, a));
            Some(AssocState::Established)
        });
        assert_eq!(second[0].outcome, Ok(Reply::Assoc { assoc: AssocId(5) }));
        assert_eq!(asked, [(EpId(2), AssocId(0)), (EpId(1), AssocId(5))]);
        assert!(c.expire(t0 + Duration::from_secs(9), |_, _| None).is_empty());
    }

    #[test]
    fn closing_an_endpoint_fails_only_its_connects() {
        let mut c = two_waiting(Instant::now());
        let gone = c.endpoint_closed(EpId(2));
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].outcome.as_ref().unwrap_err().kind, ErrorKind::Gone);
        assert_eq!(c.len(), 1);
    }
}
