//! Profiles: the setup of a session — endpoints, listening, bindx, connects, endpoint-wide
//! options — saved as a scenario file. Opening a profile shows its steps and Run sets it up;
//! the same file also runs headless and can be edited by hand.

use crate::Scope;
use crate::scenario::{Scenario, ScopeName, Step};
use crate::worker::{Command, EpId, Event, Reply, Stamped};
use serde::Serialize;
use std::collections::HashMap;

/// The setup commands of a session that succeeded, in order.
#[derive(Default)]
pub struct SetupLog {
    pending: HashMap<u64, Command>,
    done: Vec<Command>,
    names: HashMap<EpId, String>,
}

/// Whether a command belongs in a profile (it sets something up that outlives it).
fn is_setup(c: &Command) -> bool {
    match c {
        Command::Open { .. } | Command::Listen { .. } | Command::BindxAdd { .. } | Command::BindxRemove { .. } => true,
        Command::Connect { .. } => true,
        // Per-association options name ids that will not exist next time.
        Command::SetOption { scope, .. } => !matches!(scope, Scope::Assoc(_)),
        _ => false,
    }
}

#[derive(Serialize)]
struct ProfileFile {
    name: String,
    description: String,
    #[serde(rename = "step")]
    steps: Vec<Step>,
}

impl SetupLog {
    /// Notes a command sent with request `id`, if it is setup (open, listen, bindx, connect, an
    /// endpoint-wide option); it counts once its reply says it succeeded.
    pub fn sent(&mut self, id: u64, command: &Command) {
        if is_setup(command) {
            self.pending.insert(id, command.clone());
        }
    }

    /// Every worker event goes through here: a successful `Done` for a noted command keeps it.
    pub fn observe(&mut self, ev: &Stamped) {
        let Event::Done { request, outcome, .. } = &ev.event else { return };
        let Some(command) = self.pending.remove(request) else { return };
        let Ok(reply) = outcome else { return };
        if let (Command::Open { label, .. }, Reply::Endpoint { ep }) = (&command, reply) {
            // Names must be unique in a scenario: a repeated label gets the endpoint number.
            let taken = self.names.values().any(|n| n == label);
            self.names.insert(*ep, if taken { format!("{label}-ep{}", ep.0) } else { label.clone() });
        }
        self.done.push(command);
    }

    /// Whether no setup command has succeeded yet (nothing to save).
    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }

    fn name(&self, ep: EpId) -> String {
        self.names.get(&ep).cloned().unwrap_or_else(|| format!("ep{}", ep.0))
    }

    /// The steps that rebuild this setup.
    pub fn steps(&self) -> Vec<Step> {
        let mut opened = 0;
        self.done
            .iter()
            // Commands on endpoints a profile cannot recreate (accepted, peeled off) are left out.
            .filter(|c| c.endpoint().is_none_or(|ep| self.names.contains_key(&ep)))
            .filter_map(|c| {
                Some(match c.clone() {
                    Command::Open { config, .. } => {
                        opened += 1;
                        let id = self.open_order().get(opened - 1).copied()?;
                        Step::Open {
                            endpoint: self.name(id),
                            family: config.family,
                            style: config.style,
                            addrs: config.addrs,
                            port: config.port,
                            netns: config.netns,
                            options: config.options,
                        }
                    }
                    Command::Listen { ep, backlog } => Step::Listen { endpoint: self.name(ep), backlog },
                    Command::BindxAdd { ep, addrs } => {
                        Step::Bindx { endpoint: self.name(ep), add: addrs, remove: vec![] }
                    }
                    Command::BindxRemove { ep, addrs } => {
                        Step::Bindx { endpoint: self.name(ep), add: vec![], remove: addrs }
                    }
                    Command::Connect { ep, addrs, init, timeout_ms } => Step::Connect {
                        endpoint: self.name(ep),
                        to: addrs,
                        name: None,
                        ostreams: init.map(|i| i.num_ostreams).filter(|n| *n > 0),
                        instreams: init.map(|i| i.max_instreams).filter(|n| *n > 0),
                        wait: timeout_ms.is_some(),
                        expect_error: None,
                    },
                    Command::SetOption { ep, scope, value } => Step::SetOption {
                        endpoint: self.name(ep),
                        assoc: None,
                        scope: match scope {
                            Scope::Current => ScopeName::Current,
                            Scope::All => ScopeName::All,
                            _ => ScopeName::Future,
                        },
                        value,
                        expect: None,
                        expect_error: None,
                    },
                    _ => return None,
                })
            })
            .collect()
    }

    /// Endpoint ids in the order their Open commands succeeded.
    fn open_order(&self) -> Vec<EpId> {
        let mut ids: Vec<EpId> = self.names.keys().copied().collect();
        ids.sort();
        ids
    }

    /// The profile as scenario text; checked by parsing it back.
    pub fn to_toml(&self, name: &str) -> Result<String, String> {
        let file = ProfileFile {
            name: name.to_string(),
            description:
                "A saved setup (sctp-inspector profile). Open it in the window, or run it: sctp-inspector run FILE"
                    .into(),
            steps: self.steps(),
        };
        let text = toml::to_string(&file).map_err(|e| format!("encode the profile: {e}"))?;
        Scenario::parse("profile", &text).map_err(|e| format!("the saved profile does not read back: {e}"))?;
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{InitMsg, OptionValue, RtoInfo};
    use crate::{AssocId, EndpointConfig};

    fn done(log: &mut SetupLog, id: u64, command: Command, reply: Reply) {
        log.sent(id, &command);
        log.observe(&Stamped {
            t: 0.0,
            event: Event::Done {
                request: id,
                ep: command.endpoint(),
                option: command.option(),
                command: command.describe(),
                outcome: Ok(reply),
            },
        });
    }

    #[test]
    fn a_session_setup_round_trips_through_a_scenario_file() {
        let mut log = SetupLog::default();
        let config = EndpointConfig { addrs: vec!["127.0.0.1".parse().unwrap()], port: 2006, ..Default::default() };
        done(
            &mut log,
            1,
            Command::Open { label: "server".into(), config: config.clone() },
            Reply::Endpoint { ep: EpId(1) },
        );
        done(&mut log, 2, Command::Listen { ep: EpId(1), backlog: 8 }, Reply::Done);
        done(
            &mut log,
            3,
            Command::Open { label: "server".into(), config: EndpointConfig::default() },
            Reply::Endpoint { ep: EpId(2) },
        );
        let rto = OptionValue::Rtoinfo(RtoInfo { initial: 500, max: 2000, min: 200 });
        done(
            &mut log,
            4,
            Command::SetOption { ep: EpId(2), scope: Scope::Future, value: rto.clone() },
            Reply::Option { value: rto.clone() },
        );
        // Per-association options and failed commands are left out.
        done(
            &mut log,
            5,
            Command::SetOption { ep: EpId(2), scope: Scope::Assoc(AssocId(3)), value: rto.clone() },
            Reply::Done,
        );
        log.sent(6, &Command::Listen { ep: EpId(2), backlog: 1 });
        let init = InitMsg { num_ostreams: 5, max_instreams: 5, ..Default::default() };
        let to = vec!["127.0.0.1:2006".parse().unwrap()];
        done(
            &mut log,
            7,
            Command::Connect { ep: EpId(2), addrs: to, init: Some(init), timeout_ms: Some(3000) },
            Reply::Assoc { assoc: AssocId(3) },
        );

        let text = log.to_toml("my setup").unwrap();
        let back = Scenario::parse("p.toml", &text).unwrap();
        let verbs: Vec<&str> = back.steps.iter().map(Step::verb).collect();
        assert_eq!(verbs, ["open", "listen", "open", "set_option", "connect"]);
        assert!(matches!(&back.steps[2], Step::Open { endpoint, .. } if endpoint == "server-ep2"), "{text}");
        assert!(matches!(&back.steps[3], Step::SetOption { value, .. } if *value == rto));
        assert!(matches!(&back.steps[4], Step::Connect { ostreams: Some(5), wait: true, .. }));
    }
}
