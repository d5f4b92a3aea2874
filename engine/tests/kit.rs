//! The lab kit's kernel features, on the kernel's test protocol (`sim::testproto`): node kinds
//! and kind-scoped sends, commands with arguments, self-sends, one-way cuts, FIFO links,
//! clock drift, history-aware (`observe`) and *eventually* checks.

use distlab_engine::sim::testproto::{Config, Pinger, CLIENT, PINGER};
use distlab_engine::sim::{
    Action, ActionError, DropReason, LoggedAction, NetConfig, Sim, TraceKind,
};
use distlab_engine::{Time, MS};

const PERIOD: Time = 100 * MS;

fn sim(n: usize, clients: usize, net: NetConfig, seed: u64) -> Sim<Pinger> {
    Sim::new(
        n,
        &Config {
            period: PERIOD,
            clients,
        },
        net,
        seed,
    )
}

fn ask(node: usize, arg: &str) -> Action {
    Action::Command {
        node,
        name: "ask".into(),
        arg: Some(arg.into()),
    }
}

#[test]
fn kinds_scope_broadcasts_and_menus() {
    let mut s = sim(4, 1, NetConfig::default(), 1);
    assert_eq!((s.kind(0), s.kind(3)), (PINGER, CLIENT));
    s.run_until(1_000 * MS);
    // Pingers broadcast to pingers only: the client never receives a Ping.
    assert_eq!(s.node(3).received, 0);
    assert!(s.node(0).received > 0);
    // A client's menu has `ask`, not `ping`; a pinger's the other way round.
    assert!(matches!(
        s.apply(&Action::command(3, "ping")),
        Err(ActionError::UnknownCommand(_))
    ));
    assert!(matches!(
        s.apply(&ask(0, "1")),
        Err(ActionError::UnknownCommand(_))
    ));
}

#[test]
fn command_arguments_are_checked_logged_and_replayed() {
    let mut s = sim(3, 1, NetConfig::default(), 2);
    for bad in [None, Some("x"), Some("5000"), Some("")] {
        let a = Action::Command {
            node: 2,
            name: "ask".into(),
            arg: bad.map(str::to_string),
        };
        assert!(
            matches!(s.apply(&a), Err(ActionError::BadArgument { .. })),
            "{bad:?}"
        );
    }
    s.apply(&ask(2, "-17")).unwrap();
    s.run_until(500 * MS);
    assert_eq!(s.node(2).answers, vec![-17]);
    let cmd = s
        .trace()
        .iter()
        .find_map(|r| match &r.kind {
            TraceKind::Command { arg, .. } => arg.clone(),
            _ => None,
        })
        .unwrap();
    assert_eq!(cmd, "-17");
    // The argument travels in the share-link form.
    let logged = LoggedAction {
        time: 0,
        events: 0,
        action: ask(2, "-17"),
    };
    let text = LoggedAction::encode_log(std::slice::from_ref(&logged));
    assert_eq!(LoggedAction::decode_log(&text).unwrap(), vec![logged]);
}

#[test]
fn a_message_to_itself_is_traced_and_delivered() {
    let mut s = sim(2, 0, NetConfig::default(), 3);
    s.apply(&Action::Command {
        node: 1,
        name: "echo".into(),
        arg: Some("9".into()),
    })
    .unwrap();
    let before = s.node(1).received;
    s.step();
    let sends: Vec<_> = s
        .trace()
        .iter()
        .filter(|r| matches!(r.kind, TraceKind::Send { from: 1, to: 1, .. }))
        .collect();
    let delivers = s
        .trace()
        .iter()
        .filter(|r| matches!(r.kind, TraceKind::Deliver { from: 1, to: 1, .. }))
        .count();
    assert_eq!((sends.len(), delivers), (1, 1));
    assert_eq!(s.node(1).received, before + 1);
}

#[test]
fn a_one_way_cut_loses_one_direction_only() {
    let mut s = sim(2, 0, NetConfig::default(), 4);
    s.apply(&Action::CutOneWay { from: 0, to: 1 }).unwrap();
    s.run_until(1_000 * MS);
    assert_eq!(s.node(1).received, 0, "0 → 1 is cut");
    assert!(s.node(0).received >= 9, "1 → 0 still works");
    assert!(s.trace().iter().any(|r| matches!(
        r.kind,
        TraceKind::Drop {
            from: 0,
            to: 1,
            reason: DropReason::LinkCut,
            ..
        }
    )));
    // Healing the link (both ways) heals a one-way cut too.
    s.apply(&Action::Heal { a: 1, b: 0 }).unwrap();
    s.run_until(2_000 * MS);
    assert!(s.node(1).received > 0);
}

/// Wide latency: without FIFO links messages overtake each other and the history-aware
/// `fifo-order` property (an `observe` checker) catches it; with FIFO links it never happens.
#[test]
fn fifo_links_keep_order_and_the_history_checker_sees_overtaking() {
    let wide = NetConfig {
        latency_min: MS,
        latency_max: 400 * MS,
        ..NetConfig::default()
    };
    let mut plain = sim(4, 0, wide.clone(), 5);
    plain.run_until(5_000 * MS);
    assert!(
        plain
            .violations()
            .iter()
            .any(|v| v.invariant == "fifo-order"),
        "wide latency reorders messages"
    );
    for seed in 0..50 {
        let mut fifo = sim(
            4,
            0,
            NetConfig {
                fifo: true,
                ..wide.clone()
            },
            seed,
        );
        fifo.run_until(5_000 * MS);
        assert!(
            fifo.violations().is_empty(),
            "seed {seed}: {:?}",
            fifo.violations()
        );
    }
}

#[test]
fn a_fast_clock_fires_its_timers_sooner() {
    let mut s = sim(2, 0, NetConfig::default(), 6);
    s.apply(&Action::Clock {
        node: 0,
        drift_ppm: 1_000_000,
        offset: 0,
    })
    .unwrap();
    s.run_until(2_050 * MS);
    // Node 0's clock runs twice as fast: twice the ticks of node 1 (within one).
    let (fast, normal) = (s.node(0).ticks, s.node(1).ticks);
    assert!(
        fast >= 2 * normal - 1 && fast <= 2 * normal + 2,
        "{fast} vs {normal}"
    );
    assert!(s
        .trace()
        .iter()
        .any(|r| matches!(r.kind, TraceKind::Clock { node: 0, .. })));
    assert!(s
        .apply(&Action::Clock {
            node: 0,
            drift_ppm: -2_000_000,
            offset: 0
        })
        .is_err());
}

#[test]
fn eventually_properties_are_checked_when_asked() {
    let mut s = sim(3, 1, NetConfig::default(), 7);
    s.apply(&Action::Partition {
        groups: vec![0, 0, 1],
    })
    .unwrap();
    s.apply(&ask(2, "3")).unwrap();
    s.run_until(1_000 * MS);
    assert!(s.violations().is_empty(), "not checked before the end");
    assert_eq!(s.check_eventually(), 1);
    assert_eq!(s.violations()[0].invariant, "every-ask-answered");
    // Answered: nothing to report.
    let mut ok = sim(3, 1, NetConfig::default(), 7);
    ok.apply(&ask(2, "3")).unwrap();
    ok.run_until(1_000 * MS);
    assert_eq!(ok.check_eventually(), 0);
}
