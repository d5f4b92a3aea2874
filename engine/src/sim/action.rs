//! User actions (faults and commands) and their compact text form for share links.
//!
//! An action log entry records the virtual time and the number of events processed before the
//! action, so a replay applies it at exactly the same point of the run.

use std::fmt;

use serde::Serialize;

use crate::{NodeId, Time};

/// Something a user (or a fault schedule) does to a running simulation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    Crash {
        node: NodeId,
    },
    Restart {
        node: NodeId,
    },
    Pause {
        node: NodeId,
    },
    Resume {
        node: NodeId,
    },
    Cut {
        a: NodeId,
        b: NodeId,
    },
    Heal {
        a: NodeId,
        b: NodeId,
    },
    /// Adds `extra` microseconds of one-way latency to a link (0 restores it).
    Slow {
        a: NodeId,
        b: NodeId,
        extra: Time,
    },
    /// Partition group per node; nodes in different groups cannot talk.
    Partition {
        groups: Vec<u32>,
    },
    HealAll,
    /// Drops one message in flight.
    Drop {
        msg: u64,
    },
    /// A lab-specific command on a node (`timeout`), with its argument if the command takes
    /// one (a value to propose).
    Command {
        node: NodeId,
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        arg: Option<String>,
    },
    /// Cuts the link in one direction only: messages from `from` to `to` are lost.
    CutOneWay {
        from: NodeId,
        to: NodeId,
    },
    /// Heals one direction of a link.
    HealOneWay {
        from: NodeId,
        to: NodeId,
    },
    /// Sets a node's clock: it runs `drift_ppm` parts per million fast (negative: slow) and
    /// reads `offset` µs ahead (negative: behind) of true time.
    Clock {
        node: NodeId,
        drift_ppm: i64,
        offset: i64,
    },
}

impl Action {
    /// A command without an argument.
    pub fn command(node: NodeId, name: &str) -> Action {
        Action::Command {
            node,
            name: name.to_string(),
            arg: None,
        }
    }
}

/// Why an action was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionError {
    NoSuchNode(NodeId),
    SameNode,
    NotInFlight(u64),
    UnknownCommand(String),
    /// A command's argument is missing or out of range; the reason is English.
    BadArgument {
        command: String,
        reason: String,
    },
    BadPartition,
    /// A share-link action log that cannot be read; the payload is the offending part.
    Malformed(String),
    /// An action log entry that is earlier than the one before it.
    OutOfOrder(String),
}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionError::NoSuchNode(n) => write!(f, "there is no node n{}", n + 1),
            ActionError::SameNode => write!(f, "a link needs two different nodes"),
            ActionError::NotInFlight(m) => write!(f, "message #{m} is not in flight"),
            ActionError::UnknownCommand(c) => write!(f, "unknown command `{c}`"),
            ActionError::BadArgument { command, reason } => {
                write!(f, "bad argument for `{command}`: {reason}")
            }
            ActionError::BadPartition => write!(f, "a partition needs one group per node"),
            ActionError::Malformed(s) => write!(f, "cannot read action `{s}`"),
            ActionError::OutOfOrder(s) => {
                write!(f, "action `{s}` is earlier than the one before it")
            }
        }
    }
}

impl std::error::Error for ActionError {}

/// An action as it happened: when, after how many events, and what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LoggedAction {
    pub time: Time,
    pub events: u64,
    #[serde(flatten)]
    pub action: Action,
}

impl Action {
    /// Compact, URL-safe text: `c2` crash n3, `x0-1` cut, `P0-0-1` partition, `k2-timeout`.
    pub fn encode(&self) -> String {
        match self {
            Action::Crash { node } => format!("c{node}"),
            Action::Restart { node } => format!("r{node}"),
            Action::Pause { node } => format!("p{node}"),
            Action::Resume { node } => format!("u{node}"),
            Action::Cut { a, b } => format!("x{a}-{b}"),
            Action::Heal { a, b } => format!("h{a}-{b}"),
            Action::Slow { a, b, extra } => format!("s{a}-{b}-{extra}"),
            Action::Partition { groups } => {
                let g: Vec<String> = groups.iter().map(u32::to_string).collect();
                format!("P{}", g.join("-"))
            }
            Action::HealAll => "H".to_string(),
            Action::Drop { msg } => format!("d{msg}"),
            Action::Command {
                node,
                name,
                arg: None,
            } => format!("k{node}-{name}"),
            Action::Command {
                node,
                name,
                arg: Some(arg),
            } => format!("k{node}-{name}:{arg}"),
            Action::CutOneWay { from, to } => format!("y{from}-{to}"),
            Action::HealOneWay { from, to } => format!("g{from}-{to}"),
            Action::Clock {
                node,
                drift_ppm,
                offset,
            } => format!("t{node}-{}-{}", signed(*drift_ppm), signed(*offset)),
        }
    }

    /// Parses [`Action::encode`]'s form; never panics.
    pub fn decode(s: &str) -> Result<Action, ActionError> {
        let bad = || ActionError::Malformed(s.chars().take(40).collect());
        let mut chars = s.chars();
        let code = chars.next().ok_or_else(bad)?;
        let rest = chars.as_str();
        let nums = |want: usize| -> Result<Vec<u64>, ActionError> {
            let v: Result<Vec<u64>, _> = rest.split('-').map(str::parse::<u64>).collect();
            match v {
                Ok(v) if v.len() == want => Ok(v),
                _ => Err(bad()),
            }
        };
        let node = |v: u64| usize::try_from(v).map_err(|_| bad());
        Ok(match code {
            'c' => Action::Crash {
                node: node(nums(1)?[0])?,
            },
            'r' => Action::Restart {
                node: node(nums(1)?[0])?,
            },
            'p' => Action::Pause {
                node: node(nums(1)?[0])?,
            },
            'u' => Action::Resume {
                node: node(nums(1)?[0])?,
            },
            'x' => {
                let v = nums(2)?;
                Action::Cut {
                    a: node(v[0])?,
                    b: node(v[1])?,
                }
            }
            'h' => {
                let v = nums(2)?;
                Action::Heal {
                    a: node(v[0])?,
                    b: node(v[1])?,
                }
            }
            's' => {
                let v = nums(3)?;
                Action::Slow {
                    a: node(v[0])?,
                    b: node(v[1])?,
                    extra: v[2],
                }
            }
            'P' => {
                let g: Result<Vec<u32>, _> = rest.split('-').map(str::parse::<u32>).collect();
                Action::Partition {
                    groups: g.map_err(|_| bad())?,
                }
            }
            'H' if rest.is_empty() => Action::HealAll,
            'd' => Action::Drop { msg: nums(1)?[0] },
            'k' => {
                let (n, call) = rest.split_once('-').ok_or_else(bad)?;
                let (name, arg) = match call.split_once(':') {
                    Some((name, arg)) => (name, Some(arg)),
                    None => (call, None),
                };
                let word = |w: &str, extra: &[char]| {
                    !w.is_empty()
                        && w.len() <= super::protocol::MAX_ARG_LEN
                        && w.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(&c))
                };
                if !word(name, &[]) || arg.is_some_and(|a| !word(a, &[',', '-', '.', '{', '}'])) {
                    return Err(bad());
                }
                Action::Command {
                    node: node(n.parse().map_err(|_| bad())?)?,
                    name: name.to_string(),
                    arg: arg.map(str::to_string),
                }
            }
            'y' | 'g' => {
                let v = nums(2)?;
                let (from, to) = (node(v[0])?, node(v[1])?);
                if code == 'y' {
                    Action::CutOneWay { from, to }
                } else {
                    Action::HealOneWay { from, to }
                }
            }
            't' => {
                let parts: Vec<&str> = rest.split('-').collect();
                let [n, drift, offset] = parts[..] else {
                    return Err(bad());
                };
                Action::Clock {
                    node: node(n.parse().map_err(|_| bad())?)?,
                    drift_ppm: parse_signed(drift).ok_or_else(bad)?,
                    offset: parse_signed(offset).ok_or_else(bad)?,
                }
            }
            _ => return Err(bad()),
        })
    }
}

/// A signed number in the action log, where `-` separates fields: `m5` is −5.
fn signed(v: i64) -> String {
    if v < 0 {
        format!("m{}", v.unsigned_abs())
    } else {
        v.to_string()
    }
}

fn parse_signed(s: &str) -> Option<i64> {
    match s.strip_prefix('m') {
        Some(abs) => abs.parse::<i64>().ok().map(|v| -v),
        None => s.parse().ok(),
    }
}

impl LoggedAction {
    /// `time.events.action`, e.g. `1520000.312.c2`.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.time, self.events, self.action.encode())
    }

    pub fn decode(s: &str) -> Result<LoggedAction, ActionError> {
        let bad = || ActionError::Malformed(s.chars().take(40).collect());
        let mut parts = s.splitn(3, '.');
        let time = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let events = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let action = Action::decode(parts.next().ok_or_else(bad)?)?;
        Ok(LoggedAction {
            time,
            events,
            action,
        })
    }

    /// Encodes a whole log, entries joined by `~`.
    pub fn encode_log(log: &[LoggedAction]) -> String {
        let parts: Vec<String> = log.iter().map(LoggedAction::encode).collect();
        parts.join("~")
    }

    /// Decodes a whole log; entries must be in (time, events) order.
    pub fn decode_log(s: &str) -> Result<Vec<LoggedAction>, ActionError> {
        match LoggedAction::decode_prefix(s) {
            (log, None) => Ok(log),
            (_, Some(error)) => Err(error),
        }
    }

    /// Decodes as much of a log as is readable: the valid entries before the first bad one,
    /// and why that one is bad (a truncated share link still replays what it has).
    pub fn decode_prefix(s: &str) -> (Vec<LoggedAction>, Option<ActionError>) {
        decode_entries(s, LoggedAction::decode, |a| (a.time, a.events))
    }
}

/// Reads a `~`-separated log as far as it is readable: the entries `decode` accepts, in
/// non-decreasing `order`, before the first bad one, and why that one is bad. Shared by the
/// networked action log and the time-only models' ([`super::model`]).
pub(crate) fn decode_entries<T, K: PartialOrd>(
    s: &str,
    decode: impl Fn(&str) -> Result<T, ActionError>,
    order: impl Fn(&T) -> K,
) -> (Vec<T>, Option<ActionError>) {
    let mut out: Vec<T> = Vec::new();
    for part in s.split('~').filter(|p| !p.is_empty()) {
        let a = match decode(part) {
            Ok(a) => a,
            Err(e) => return (out, Some(e)),
        };
        if out.last().is_some_and(|prev| order(&a) < order(prev)) {
            let e = ActionError::OutOfOrder(part.chars().take(40).collect());
            return (out, Some(e));
        }
        out.push(a);
    }
    (out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let all = vec![
            Action::Crash { node: 2 },
            Action::Restart { node: 0 },
            Action::Pause { node: 4 },
            Action::Resume { node: 4 },
            Action::Cut { a: 0, b: 1 },
            Action::Heal { a: 1, b: 0 },
            Action::Slow {
                a: 1,
                b: 2,
                extra: 5000,
            },
            Action::Partition {
                groups: vec![0, 0, 1, 1, 1],
            },
            Action::HealAll,
            Action::Drop { msg: 77 },
            Action::command(3, "timeout"),
            Action::Command {
                node: 1,
                name: "propose".into(),
                arg: Some("-42".into()),
            },
            Action::Command {
                node: 0,
                name: "want".into(),
                arg: Some("a,b_2".into()),
            },
            Action::Command {
                node: 6,
                name: "rc_set".into(),
                arg: Some("{user1000}.following".into()),
            },
            Action::CutOneWay { from: 1, to: 3 },
            Action::HealOneWay { from: 3, to: 1 },
            Action::Clock {
                node: 2,
                drift_ppm: -50_000,
                offset: 1_500,
            },
            Action::Clock {
                node: 0,
                drift_ppm: 100,
                offset: -7,
            },
        ];
        for a in all {
            assert_eq!(Action::decode(&a.encode()), Ok(a.clone()));
        }
    }

    #[test]
    fn garbage_is_refused() {
        for s in [
            "",
            "z1",
            "c",
            "c-1",
            "x1",
            "x1-2-3",
            "kfoo",
            "k1-",
            "k1-a b",
            "H1",
            "P1-a",
            "c99999999999999999999999",
            "k1-propose:",
            "k1-propose:a b",
            "k1-:5",
            "y1",
            "t1-2",
            "t1-x-3",
            "t1-m-3",
        ] {
            assert!(Action::decode(s).is_err(), "{s:?} should be refused");
        }
        assert!(LoggedAction::decode_log("10.1.c1~5.0.c2").is_err());
        assert!(LoggedAction::decode_log("10.1").is_err());
        assert_eq!(LoggedAction::decode_log("").unwrap(), vec![]);
    }
}
