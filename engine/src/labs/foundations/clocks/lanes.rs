//! What the clocks lab shows on the space-time diagram: every kept event on its process's lane,
//! labelled with its Lamport time and vector clock (`3 (2,1,0)`), and the verdict on two picked
//! events: happened-before either way, or concurrent, with both clocks compared.
//!
//! The verdict comes from the vector clocks: V(e) < V(f) exactly when e → f, which the lab's
//! checker ([`super::monitor`], *vector-exact*) holds to the true happened-before relation it
//! rebuilds from the trace. The Lamport comparison is shown beside it because it is the
//! lesson: L(e) < L(f) for concurrent events is common.

use super::{happened_before, show_vector, vector_less, Clocks, Event};
use crate::labs::{Causality, EventOrder, EventRef, Headline, LaneEvent};
use crate::sim::Sim;

/// The kept event `r`, if its process still has it in its history.
pub fn find(sim: &Sim<Clocks>, r: EventRef) -> Option<&Event> {
    if r.node >= sim.n() {
        return None;
    }
    let history = &sim.node(r.node).history;
    // A history holds consecutive events: the newest is `last`, the one before `last - 1`…
    let last = history.back()?.seq;
    let back = usize::try_from(last.checked_sub(r.seq)?).ok()?;
    let i = history.len().checked_sub(1)?.checked_sub(back)?;
    history.get(i).filter(|e| e.seq == r.seq)
}

fn at(e: &Event) -> EventRef {
    EventRef {
        node: e.node,
        seq: e.seq,
    }
}

/// Every kept event, oldest first, labelled `L (V)`.
pub fn lane_events(sim: &Sim<Clocks>) -> Vec<LaneEvent> {
    let mut out: Vec<LaneEvent> = sim
        .nodes()
        .iter()
        .flat_map(|p| p.history.iter())
        .map(|e| LaneEvent {
            at: at(e),
            time: e.at,
            label: format!("{} {}", e.lamport, show_vector(&e.vector)),
        })
        .collect();
    out.sort_by_key(|e| (e.time, e.at));
    out
}

/// The order of two numbers as a sign: `<`, `=` or `>`.
fn sign(a: u64, b: u64) -> &'static str {
    match a.cmp(&b) {
        std::cmp::Ordering::Less => "<",
        std::cmp::Ordering::Equal => "=",
        std::cmp::Ordering::Greater => ">",
    }
}

fn line(key: &'static str, args: Vec<String>) -> Headline {
    Headline { key, args }
}

/// The verdict on `a` and `b` (named "a" and "b" in the explanation), from their vectors.
pub fn event_order(sim: &Sim<Clocks>, a: EventRef, b: EventRef) -> Option<EventOrder> {
    let (ea, eb) = (find(sim, a)?, find(sim, b)?);
    let order = if a == b {
        Causality::Same
    } else if happened_before(ea, eb) {
        Causality::Before
    } else if happened_before(eb, ea) {
        Causality::After
    } else {
        Causality::Concurrent
    };
    let vsign = match order {
        Causality::Same => "=",
        Causality::Before => "<",
        Causality::After => ">",
        Causality::Concurrent => "∥",
    };
    let lsign = sign(ea.lamport, eb.lamport);
    let mut why = vec![
        line(
            "clocks.why.lamport",
            vec![ea.lamport.to_string(), lsign.into(), eb.lamport.to_string()],
        ),
        line(
            "clocks.why.vector",
            vec![
                show_vector(&ea.vector),
                vsign.into(),
                show_vector(&eb.vector),
            ],
        ),
    ];
    match order {
        Causality::Before => why.push(line("clocks.why.condition", vec!["a".into(), "b".into()])),
        Causality::After => why.push(line("clocks.why.condition", vec!["b".into(), "a".into()])),
        Causality::Concurrent if ea.lamport != eb.lamport => {
            why.push(line("clocks.why.lamport_lies", vec![lsign.into()]));
        }
        Causality::Concurrent => why.push(line("clocks.why.tie", Vec::new())),
        Causality::Same => {}
    }
    Some(EventOrder { order, why })
}

/// The kept events that happened before `e` (by the vectors), oldest first.
pub fn causal_past(sim: &Sim<Clocks>, e: EventRef) -> Vec<EventRef> {
    let Some(target) = find(sim, e) else {
        return Vec::new();
    };
    let mut out: Vec<(crate::Time, EventRef)> = sim
        .nodes()
        .iter()
        .flat_map(|p| p.history.iter())
        .filter(|f| vector_less(&f.vector, &target.vector))
        .map(|f| (f.at, at(f)))
        .collect();
    out.sort_unstable();
    out.into_iter().map(|(_, r)| r).collect()
}
