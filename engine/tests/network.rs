//! The network model and node faults, checked through the trace: every fault does what the
//! architecture says, and no message is ever lost without a record.
//!
//! Most tests run the kernel's test protocol `Pinger` (`sim::testproto`), whose traffic is
//! easy to predict: every node broadcasts a `Ping` every 100 ms. The restart test uses Raft, whose persistent
//! state (currentTerm, votedFor) is the point.

use std::collections::BTreeMap;

use distlab_engine::labs::coordination::raft::{self, Raft, Role};
use distlab_engine::sim::testproto::{Config, Pinger};
use distlab_engine::sim::{
    Action, DropReason, NetConfig, NodeStatus, Protocol, Sim, TraceKind, TraceRecord,
};
use distlab_engine::{NodeId, Time, MS};

const PERIOD: Time = 100 * MS;

fn net(latency_min: Time, latency_max: Time, loss_ppm: u32, dup_ppm: u32) -> NetConfig {
    NetConfig {
        latency_min,
        latency_max,
        loss_ppm,
        dup_ppm,
        fifo: false,
    }
}

fn pinger(n: usize, cfg: NetConfig, seed: u64) -> Sim<Pinger> {
    Sim::new(n, &Config::pingers(PERIOD), cfg, seed)
}

/// What finally happened to one message.
#[derive(Clone, Debug, PartialEq)]
enum Fate {
    Delivered(Time),
    Dropped(Time, DropReason),
}

/// Every message's send time and endpoints, and its fate if it has one. Panics (fails the
/// test) if a message has two fates.
struct Ledger {
    sends: BTreeMap<u64, (Time, NodeId, NodeId)>,
    fates: BTreeMap<u64, Fate>,
}

fn ledger(trace: &[TraceRecord]) -> Ledger {
    let mut l = Ledger {
        sends: BTreeMap::new(),
        fates: BTreeMap::new(),
    };
    for r in trace {
        match r.kind {
            TraceKind::Send { msg, from, to, .. } | TraceKind::Duplicate { msg, from, to, .. } => {
                assert!(
                    l.sends.insert(msg, (r.time, from, to)).is_none(),
                    "message #{msg} sent twice"
                );
            }
            TraceKind::Deliver { msg, .. } => {
                assert!(l.sends.contains_key(&msg), "#{msg} delivered before sent");
                let prev = l.fates.insert(msg, Fate::Delivered(r.time));
                assert!(
                    prev.is_none(),
                    "#{msg} has two fates: {prev:?} and a delivery"
                );
            }
            TraceKind::Drop { msg, reason, .. } => {
                assert!(l.sends.contains_key(&msg), "#{msg} dropped before sent");
                let prev = l.fates.insert(msg, Fate::Dropped(r.time, reason));
                assert!(prev.is_none(), "#{msg} has two fates: {prev:?} and a drop");
            }
            _ => {}
        }
    }
    l
}

/// No message vanishes: each one sent is delivered, dropped with a record, or still on the wire
/// (and then not overdue).
fn assert_conservation<P: Protocol>(sim: &Sim<P>) {
    let l = ledger(sim.trace());
    let inflight: BTreeMap<u64, Time> = sim.inflight().map(|m| (m.id, m.deliver_at)).collect();
    assert_eq!(
        l.sends.len(),
        sim.sent().len(),
        "every sent message has a Send record"
    );
    for id in l.sends.keys() {
        let fated = l.fates.contains_key(id);
        let flying = inflight.contains_key(id);
        assert!(
            fated != flying,
            "message #{id}: fate {:?}, in flight {flying}",
            l.fates.get(id)
        );
    }
    for (id, at) in &inflight {
        let paused = sim.status(sim.sent()[*id as usize].to) == NodeStatus::Paused;
        assert!(
            *at > sim.now() || paused,
            "#{id} was due at {at} but is still in flight at {}",
            sim.now()
        );
    }
}

fn count(trace: &[TraceRecord], f: impl Fn(&TraceKind) -> bool) -> usize {
    trace.iter().filter(|r| f(&r.kind)).count()
}

#[test]
fn loss_100_drops_every_message() {
    let mut sim = pinger(4, net(10 * MS, 30 * MS, 1_000_000, 0), 3);
    sim.run_until(2_000 * MS);
    let t = sim.trace();
    let sends = count(t, |k| matches!(k, TraceKind::Send { .. }));
    assert!(
        sends >= 4 * 3 * 19,
        "expected steady pings, got {sends} sends"
    );
    assert_eq!(count(t, |k| matches!(k, TraceKind::Deliver { .. })), 0);
    let lost = count(t, |k| {
        matches!(
            k,
            TraceKind::Drop {
                reason: DropReason::Loss,
                ..
            }
        )
    });
    assert_eq!(lost, sends, "every send is dropped with reason loss");
    assert_eq!(sim.inflight().count(), 0);
    // And each drop is recorded right at the send, not later.
    let l = ledger(t);
    for (id, (sent, ..)) in &l.sends {
        assert_eq!(l.fates[id], Fate::Dropped(*sent, DropReason::Loss));
    }
    assert!((0..4).all(|i| sim.node(i).received == 0));
}

#[test]
fn loss_0_delivers_every_message() {
    let mut sim = pinger(4, NetConfig::default(), 3);
    sim.run_until(2_000 * MS);
    assert_conservation(&sim);
    let t = sim.trace();
    assert_eq!(count(t, |k| matches!(k, TraceKind::Drop { .. })), 0);
    let delivered = count(t, |k| matches!(k, TraceKind::Deliver { .. }));
    let total: u64 = (0..4).map(|i| sim.node(i).received).sum();
    assert_eq!(delivered as u64, total);
    assert!(delivered > 200);
}

#[test]
fn partial_loss_is_roughly_the_given_rate() {
    let mut sim = pinger(5, net(10 * MS, 30 * MS, 250_000, 0), 9);
    sim.run_until(20_000 * MS);
    assert_conservation(&sim);
    let t = sim.trace();
    let sends = count(t, |k| matches!(k, TraceKind::Send { .. })) as f64;
    let lost = count(t, |k| {
        matches!(
            k,
            TraceKind::Drop {
                reason: DropReason::Loss,
                ..
            }
        )
    }) as f64;
    let rate = lost / sends;
    assert!((0.22..0.28).contains(&rate), "loss 25% gave {rate}");
}

#[test]
fn cut_link_drops_both_ways_and_heal_restores() {
    let mut sim = pinger(3, NetConfig::default(), 5);
    // Faults go in between ticks (every 100 ms), so no send shares their instant.
    sim.run_until(1_050 * MS);
    let cut_at = sim.now();
    sim.apply(&Action::Cut { a: 1, b: 0 }).unwrap();
    assert!(sim.network().is_cut(0, 1) && sim.network().is_cut(1, 0));
    sim.run_until(2_050 * MS);
    let heal_at = sim.now();
    sim.apply(&Action::Heal { a: 0, b: 1 }).unwrap();
    assert!(!sim.network().is_cut(0, 1));
    sim.run_until(3_000 * MS);
    assert_conservation(&sim);

    let l = ledger(sim.trace());
    let (mut cut_drops, mut other_ok, mut after_ok) = (0, 0, 0);
    for (id, &(sent, from, to)) in &l.sends {
        let fate = l.fates.get(id);
        let on_link = (from, to) == (0, 1) || (from, to) == (1, 0);
        let delivered_at = match fate {
            Some(Fate::Delivered(t)) => Some(*t),
            _ => None,
        };
        if on_link && sent >= cut_at && sent < heal_at {
            assert_eq!(
                fate,
                Some(&Fate::Dropped(sent, DropReason::LinkCut)),
                "#{id} {from}->{to} sent during the cut"
            );
            cut_drops += 1;
        } else if on_link && sent < cut_at && delivered_at.is_none() {
            // In flight when the link was cut: dropped on arrival.
            assert!(matches!(fate, Some(Fate::Dropped(t, DropReason::LinkCut)) if *t < heal_at));
        } else if on_link && sent >= heal_at {
            if fate.is_some() {
                assert!(delivered_at.is_some(), "#{id} after heal: {fate:?}");
                after_ok += 1;
            }
        } else if !on_link && fate.is_some() {
            assert!(
                delivered_at.is_some(),
                "#{id} {from}->{to} off the cut link: {fate:?}"
            );
            other_ok += 1;
        }
    }
    // Both directions were dropped: 10 ticks each way.
    let dir = |a, b| {
        l.sends
            .iter()
            .filter(|(id, &(s, f, t))| {
                (f, t) == (a, b)
                    && s >= cut_at
                    && s < heal_at
                    && matches!(l.fates.get(id), Some(Fate::Dropped(_, DropReason::LinkCut)))
            })
            .count()
    };
    assert_eq!((dir(0, 1), dir(1, 0)), (10, 10));
    assert!(cut_drops == 20 && other_ok > 50 && after_ok >= 18);
    let cuts = count(sim.trace(), |k| matches!(k, TraceKind::Cut { a: 1, b: 0 }));
    let heals = count(sim.trace(), |k| matches!(k, TraceKind::Heal { a: 0, b: 1 }));
    assert_eq!((cuts, heals), (1, 1));
}

#[test]
fn partition_blocks_only_cross_group_traffic_and_heal_all_restores() {
    let n = 5;
    let groups = [0u32, 0, 1, 1, 1];
    let mut sim = pinger(n, NetConfig::default(), 11);
    sim.run_until(550 * MS);
    let split_at = sim.now();
    sim.apply(&Action::Partition {
        groups: groups.to_vec(),
    })
    .unwrap();
    assert!(sim.network().is_partitioned());
    sim.run_until(1_550 * MS);
    let heal_at = sim.now();
    sim.apply(&Action::HealAll).unwrap();
    assert!(!sim.network().is_partitioned());
    sim.run_until(2_500 * MS);
    assert_conservation(&sim);

    let l = ledger(sim.trace());
    let (mut cross, mut within, mut healed) = (0, 0, 0);
    for (id, &(sent, from, to)) in &l.sends {
        let Some(fate) = l.fates.get(id) else {
            continue;
        };
        let crosses = groups[from] != groups[to];
        if sent >= split_at && sent < heal_at {
            if crosses {
                assert_eq!(*fate, Fate::Dropped(sent, DropReason::Partition), "#{id}");
                cross += 1;
            } else {
                assert!(
                    matches!(fate, Fate::Delivered(_)),
                    "#{id} within a group: {fate:?}"
                );
                within += 1;
            }
        } else if sent >= heal_at {
            assert!(
                matches!(fate, Fate::Delivered(_)),
                "#{id} after heal: {fate:?}"
            );
            healed += 1;
        }
    }
    // 10 ticks: 2*3*2 cross-group messages per tick, 2*1 + 3*2 within.
    assert_eq!(cross, 10 * 12);
    assert_eq!(within, 10 * 8);
    assert!(healed > 150);
}

#[test]
fn crashed_node_receives_nothing_and_fires_no_timers() {
    let mut sim = pinger(4, NetConfig::default(), 17);
    sim.run_until(1_000 * MS);
    let crash_at = sim.now();
    let received_before = sim.node(2).received;
    sim.apply(&Action::Crash { node: 2 }).unwrap();
    assert_eq!(sim.status(2), NodeStatus::Down);
    assert_eq!(sim.timers(2).count(), 0, "a crashed node has no timers");
    sim.run_until(3_000 * MS);
    assert_conservation(&sim);

    let after: Vec<&TraceRecord> = sim.trace().iter().filter(|r| r.time > crash_at).collect();
    for r in &after {
        match &r.kind {
            TraceKind::Deliver { to: 2, msg, .. } => panic!("#{msg} delivered to a crashed node"),
            TraceKind::Timer { node: 2, .. } => panic!("timer fired on a crashed node"),
            TraceKind::Send { from: 2, msg, .. } => panic!("#{msg} sent by a crashed node"),
            _ => {}
        }
    }
    let node_down = after
        .iter()
        .filter(|r| {
            matches!(
                r.kind,
                TraceKind::Drop {
                    to: 2,
                    reason: DropReason::NodeDown,
                    ..
                }
            )
        })
        .count();
    assert!(
        node_down >= 3 * 19,
        "messages to n3 dropped as node-down: {node_down}"
    );
    // Volatile state was lost at the crash and nothing was added since.
    assert!(received_before > 0);
    assert_eq!(sim.node(2).received, 0);
    assert_eq!(sim.node(2).boots, 1);
}

#[test]
fn restart_runs_on_start_again_and_loses_volatile_state() {
    let mut sim = pinger(3, NetConfig::default(), 23);
    sim.run_until(1_000 * MS);
    sim.apply(&Action::Crash { node: 0 }).unwrap();
    sim.run_until(1_500 * MS);
    let restart_at = sim.now();
    sim.apply(&Action::Restart { node: 0 }).unwrap();
    assert_eq!(sim.status(0), NodeStatus::Up);
    let p = sim.node(0);
    assert_eq!((p.boots, p.ticks, p.received), (2, 0, 0));
    assert_eq!(sim.timers(0).count(), 1, "on_start set its timer again");
    sim.run_until(2_000 * MS);
    assert_conservation(&sim);
    let ticks_after = count(
        &sim.trace()
            .iter()
            .filter(|r| r.time > restart_at)
            .cloned()
            .collect::<Vec<_>>(),
        |k| matches!(k, TraceKind::Timer { node: 0, .. }),
    );
    assert_eq!(ticks_after, 5);
    assert!(sim.node(0).received > 0);
    // Restarting an up node changes nothing and leaves no record.
    let records = sim.records();
    sim.apply(&Action::Restart { node: 0 }).unwrap();
    assert_eq!(sim.records(), records);
}

#[test]
fn raft_restart_keeps_current_term_and_voted_for() {
    let (cfg, _) = distlab_engine::input::RunConfig::parse(&[]);
    let mut s = raft::session(&cfg.params, 5).session;
    s.run_until(2_000 * MS);
    let sim = &mut s.sim;
    let leader = (0..sim.n())
        .find(|&i| sim.node(i).role == Role::Leader)
        .expect("a leader after 2 s");
    // Force a fresh election so there is a vote to remember, then crash a voter.
    sim.apply(&Action::command(leader, "timeout")).unwrap();
    sim.run_until(2_100 * MS);
    let voter = (0..sim.n())
        .find(|&i| i != leader && sim.node(i).voted_for.is_some())
        .expect("someone voted in the new term");
    let before: &Raft = sim.node(voter);
    let (term, voted_for) = (before.current_term, before.voted_for);
    assert!(term >= 2);
    sim.apply(&Action::Crash { node: voter }).unwrap();
    let after = sim.node(voter);
    assert_eq!((after.current_term, after.voted_for), (term, voted_for));
    assert_eq!(after.role, Role::Follower);
    assert_eq!(after.leader, None, "volatile: known leader is forgotten");
    assert!(after.votes.is_empty());
    sim.run_until(2_500 * MS);
    sim.apply(&Action::Restart { node: voter }).unwrap();
    let restarted = sim.node(voter);
    assert_eq!(
        (restarted.current_term, restarted.voted_for),
        (term, voted_for)
    );
    assert_eq!(
        sim.timers(voter).count(),
        1,
        "on_start armed the election timer again"
    );
    sim.run_until(4_000 * MS);
    assert!(sim.violations().is_empty());
    assert_conservation(sim);
}

#[test]
fn pause_defers_deliveries_and_timers_until_resume() {
    let mut sim = pinger(3, NetConfig::default(), 29);
    sim.run_until(1_000 * MS + 50 * MS);
    let pause_at = sim.now();
    sim.apply(&Action::Pause { node: 1 }).unwrap();
    assert_eq!(sim.status(1), NodeStatus::Paused);
    let received = sim.node(1).received;
    let ticks = sim.node(1).ticks;
    sim.run_until(1_600 * MS);
    let resume_at = sim.now();
    // Nothing reached n2 while paused, and its timer did not fire.
    for r in sim.trace().iter().filter(|r| r.time > pause_at) {
        match &r.kind {
            TraceKind::Deliver { to: 1, .. } => panic!("delivered to a paused node: {r:?}"),
            TraceKind::Timer { node: 1, .. } => panic!("timer fired on a paused node: {r:?}"),
            TraceKind::Drop { to: 1, .. } => panic!("paused is not crashed: {r:?}"),
            _ => {}
        }
    }
    assert_eq!((sim.node(1).received, sim.node(1).ticks), (received, ticks));
    let held: Vec<u64> = sim.inflight().filter(|m| m.to == 1).map(|m| m.id).collect();
    assert!(
        held.len() >= 2 * 5,
        "messages to n2 wait on the wire: {}",
        held.len()
    );
    assert_conservation(&sim);

    sim.apply(&Action::Resume { node: 1 }).unwrap();
    sim.run_until(resume_at); // same instant: only the deferred events
    let l = ledger(sim.trace());
    for id in &held {
        let sent = sim.sent()[*id as usize].sent_at;
        if sent + 30 * MS < resume_at {
            assert_eq!(
                l.fates.get(id),
                Some(&Fate::Delivered(resume_at)),
                "#{id} waited for the resume"
            );
        }
    }
    assert_eq!(
        sim.node(1).ticks,
        ticks + 1,
        "the overdue tick fired at resume"
    );
    sim.run_until(2_000 * MS);
    assert_conservation(&sim);
    assert!(sim.node(1).received >= received + held.len() as u64);
}

#[test]
fn crashing_a_paused_node_drops_its_held_messages() {
    let mut sim = pinger(3, NetConfig::default(), 31);
    sim.run_until(1_000 * MS);
    sim.apply(&Action::Pause { node: 2 }).unwrap();
    sim.run_until(1_500 * MS);
    let held = sim.inflight().filter(|m| m.to == 2).count();
    assert!(held > 0);
    sim.apply(&Action::Crash { node: 2 }).unwrap();
    sim.run_until(2_000 * MS);
    assert_conservation(&sim);
    assert_eq!(
        sim.inflight()
            .filter(|m| m.to == 2 && m.deliver_at <= sim.now())
            .count(),
        0,
        "messages held for a paused node must not linger after it crashes"
    );
    sim.apply(&Action::Restart { node: 2 }).unwrap();
    sim.run_until(2_500 * MS);
    assert_conservation(&sim);
}

#[test]
fn dropping_a_message_in_flight_removes_it_with_a_user_drop() {
    let mut sim = pinger(3, NetConfig::default(), 37);
    sim.run_until(PERIOD + MS);
    let m = sim.inflight().next().cloned().expect("pings on the wire");
    sim.apply(&Action::Drop { msg: m.id }).unwrap();
    assert!(sim.inflight().all(|f| f.id != m.id));
    let last = sim.trace().last().unwrap();
    assert_eq!(last.time, PERIOD + MS);
    assert!(matches!(
        last.kind,
        TraceKind::Drop { msg, from, to, reason: DropReason::User, .. }
            if msg == m.id && from == m.from && to == m.to
    ));
    // Dropping it again is refused: it is no longer in flight.
    assert!(sim.apply(&Action::Drop { msg: m.id }).is_err());
    assert!(sim.apply(&Action::Drop { msg: 1_000_000 }).is_err());
    sim.run_until(1_000 * MS);
    assert_conservation(&sim);
    let delivered = count(
        sim.trace(),
        |k| matches!(k, TraceKind::Deliver { msg, .. } if *msg == m.id),
    );
    assert_eq!(delivered, 0, "a dropped message never arrives");
}

#[test]
fn dup_100_delivers_every_message_twice() {
    let mut sim = pinger(3, net(10 * MS, 30 * MS, 0, 1_000_000), 41);
    sim.run_until(1_000 * MS);
    assert_conservation(&sim);
    let t = sim.trace();
    let sends = count(t, |k| matches!(k, TraceKind::Send { .. }));
    let dups = count(t, |k| matches!(k, TraceKind::Duplicate { .. }));
    assert!(sends >= 60);
    assert_eq!(dups, sends, "every send is duplicated (once)");
    for (i, r) in t.iter().enumerate() {
        if let TraceKind::Send { msg, from, to, .. } = r.kind {
            // The duplicate record follows its original at once.
            assert!(matches!(
                t[i + 1].kind,
                TraceKind::Duplicate { of, from: f, to: tt, .. } if of == msg && f == from && tt == to
            ));
        }
    }
    let delivered = count(t, |k| matches!(k, TraceKind::Deliver { .. }));
    let flying = sim.inflight().count();
    assert_eq!(delivered + flying, 2 * sends);
    let total: u64 = (0..3).map(|i| sim.node(i).received).sum();
    assert_eq!(total as usize, delivered);
}

fn latencies<P: Protocol>(sim: &Sim<P>) -> Vec<(NodeId, NodeId, Time)> {
    sim.trace()
        .iter()
        .filter_map(|r| match r.kind {
            TraceKind::Deliver { msg, from, to, .. } => {
                Some((from, to, r.time - sim.sent()[msg as usize].sent_at))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn latency_stays_within_range_plus_slow_extra() {
    let (lo, hi) = (7 * MS, 23 * MS);
    let mut sim = pinger(4, net(lo, hi, 0, 0), 43);
    sim.run_until(1_050 * MS);
    let extra = 40 * MS;
    sim.apply(&Action::Slow { a: 2, b: 3, extra }).unwrap();
    assert_eq!(sim.network().slow(3, 2), extra);
    let slowed_at = sim.now();
    sim.run_until(3_000 * MS);
    assert_conservation(&sim);
    let mut seen = (Time::MAX, 0);
    let mut slow_seen = 0;
    for r in sim.trace() {
        if let TraceKind::Deliver { msg, from, to, .. } = r.kind {
            let sent = sim.sent()[msg as usize].sent_at;
            let lat = r.time - sent;
            let slow_link = (from.min(to), from.max(to)) == (2, 3) && sent >= slowed_at;
            let (a, b) = if slow_link {
                (lo + extra, hi + extra)
            } else {
                (lo, hi)
            };
            assert!(
                (a..=b).contains(&lat),
                "#{msg} {from}->{to}: {lat} not in {a}..={b}"
            );
            if slow_link {
                slow_seen += 1;
            } else {
                seen = (seen.0.min(lat), seen.1.max(lat));
            }
        }
    }
    assert!(slow_seen >= 38);
    // The range is used, not just one value.
    assert!(seen.0 < lo + 2 * MS && seen.1 > hi - 2 * MS, "{seen:?}");
    // Slow 0 restores the link.
    sim.apply(&Action::Slow {
        a: 3,
        b: 2,
        extra: 0,
    })
    .unwrap();
    assert_eq!(sim.network().slow(2, 3), 0);
}

#[test]
fn fixed_latency_is_exact() {
    let mut sim = pinger(3, net(15 * MS, 15 * MS, 0, 0), 47);
    sim.run_until(1_000 * MS);
    let l = latencies(&sim);
    assert!(!l.is_empty());
    assert!(l.iter().all(|&(_, _, lat)| lat == 15 * MS));
}

#[test]
fn refused_actions_change_nothing() {
    let mut sim = pinger(3, NetConfig::default(), 53);
    sim.run_until(500 * MS);
    let (records, hash) = (sim.records(), sim.trace_hash());
    for a in [
        Action::Crash { node: 3 },
        Action::Cut { a: 1, b: 1 },
        Action::Cut { a: 0, b: 9 },
        Action::Partition { groups: vec![0, 1] },
        Action::command(0, "nope"),
        Action::Drop { msg: 999_999 },
    ] {
        assert!(sim.apply(&a).is_err(), "{a:?} should be refused");
    }
    assert_eq!((sim.records(), sim.trace_hash()), (records, hash));
}

/// The kit's history records: a client's invocation and its answer reach a linearizability
/// history through the trace, and the kernel's call ids match the history's.
#[test]
fn client_calls_reach_a_linearizability_history() {
    use distlab_engine::sim::linearizability::History;
    let mut sim: Sim<Pinger> = Sim::new(
        3,
        &Config {
            period: PERIOD,
            clients: 1,
        },
        NetConfig::default(),
        61,
    );
    sim.apply(&Action::Command {
        node: 2,
        name: "ask".into(),
        arg: Some("5".into()),
    })
    .unwrap();
    sim.run_until(500 * MS);
    let mut h = History::default();
    for r in sim.trace() {
        h.observe(r);
    }
    assert_eq!(h.calls().len(), 1);
    assert!(h.calls()[0].ret.is_some(), "{:?}", h.calls());
    assert!(h.check(0).is_ok());
}
