//! Linearizability checking for client histories on a key-value store of registers.
//!
//! A storage or lock lab is correct when every history its clients can observe is
//! *linearizable* (Herlihy & Wing 1990): there is one total order of the calls that respects
//! real time (a call that returned before another was invoked comes first) and in which every
//! answer is the one a single sequential register per key would have given.
//!
//! A lab's monitor records the history as the simulation runs: [`History::invoke`] when a
//! client sends a request (keep the returned call id), [`History::complete`] when the client
//! receives the answer, and nothing for requests that are never answered (lost, timed out, the
//! client crashed): those may have taken effect at any time after their invocation, or not at
//! all. At the end of the run the lab calls [`History::check`] (or
//! [`History::check_bounded`]) with the registers' initial value and reports the
//! [`Counterexample`] if there is one.
//!
//! Keys are independent registers, so each key is checked on its own (P-compositionality,
//! Horn & Kroening 2015). Per key, the checker runs the backtracking search of Wing & Gong
//! (1993) with Lowe's memoisation (2017): the invocation and return events are kept in a
//! linked list in time order; the search linearizes a call whose invocation is reached before
//! any pending return, unlinks it and restarts from the head, and backtracks when it reaches the
//! return of a call not yet linearized. A set of visited (linearized calls as a bitset,
//! register value) configurations prunes repeated work. Mostly sequential histories of
//! thousands of calls take milliseconds; many mutually concurrent calls can take time
//! exponential in their number, which [`check_bounded`] caps.
//!
//! Times are closed intervals: a call that returns at `t` and one invoked at `t` count as
//! concurrent. A completed read returning a value that no call invoked by its return could have
//! written is reported directly, without a search.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use crate::{NodeId, Time};

/// A suggested budget for [`check_bounded`]: a few seconds and at most a few hundred
/// megabytes on histories of a few thousand calls per key.
pub const DEFAULT_MAX_STATES: usize = 1_000_000;

/// An operation on one key's register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Op {
    Read,
    Write(u64),
    Cas { expect: u64, new: u64 },
}

/// What the store answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Ret {
    Ok,
    Value(u64),
    Fail,
}

/// One client call: invoked at `invoke`; `ret` is None if the client never got an answer (the
/// op may or may not have taken effect: it may linearize anywhere after its invocation, or not
/// at all).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Call {
    pub client: NodeId,
    pub key: u64,
    pub op: Op,
    pub invoke: Time,
    pub ret: Option<(Time, Ret)>,
}

/// Why a history is not linearizable: the key, the calls of that key involved (indices into
/// the history, ascending), and an English explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Counterexample {
    pub key: u64,
    pub calls: Vec<usize>,
    pub text: String,
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The outcome of [`check_bounded`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Verdict {
    Linearizable,
    NotLinearizable(Counterexample),
    /// Some key needed more than `max_states` search states (and no key was found to be
    /// non-linearizable).
    Unknown,
}

/// A history recorded incrementally, as a simulation's monitor sees it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct History {
    calls: Vec<Call>,
}

impl History {
    /// Records that `client` invoked `op` on `key` at `now`; returns the call id.
    pub fn invoke(&mut self, client: NodeId, key: u64, op: Op, now: Time) -> usize {
        let (ret, invoke) = (None, now);
        self.calls.push(Call {
            client,
            key,
            op,
            invoke,
            ret,
        });
        self.calls.len() - 1
    }

    /// Records the answer to call `call`. Unknown ids and second answers are ignored.
    pub fn complete(&mut self, call: usize, ret: Ret, now: Time) {
        if let Some(c) = self.calls.get_mut(call) {
            c.ret = c.ret.or(Some((now, ret)));
        }
    }

    /// Records a trace's client invocation or return (a lab's monitor calls this from
    /// [`crate::sim::Protocol::observe`]; other records are ignored). Calls are numbered by
    /// the kernel in invocation order, as [`History::invoke`] numbers them.
    pub fn observe(&mut self, r: &crate::sim::TraceRecord) {
        match r.kind {
            crate::sim::TraceKind::Invoke { node, key, op, .. } => {
                self.invoke(node, key, op, r.time);
            }
            crate::sim::TraceKind::Return { call, ret, .. } => {
                if let Ok(call) = usize::try_from(call) {
                    self.complete(call, ret, r.time);
                }
            }
            _ => {}
        }
    }

    pub fn calls(&self) -> &[Call] {
        &self.calls
    }

    /// [`check`] on the recorded history.
    pub fn check(&self, initial: u64) -> Result<(), Counterexample> {
        check(&self.calls, initial)
    }

    /// [`check_bounded`] on the recorded history.
    pub fn check_bounded(&self, initial: u64, max_states: usize) -> Verdict {
        check_bounded(&self.calls, initial, max_states)
    }
}

/// Checks that `history` is linearizable, every register starting at `initial`. Exact, with
/// no bound on the search: prefer [`check_bounded`] on histories with many concurrent calls.
pub fn check(history: &[Call], initial: u64) -> Result<(), Counterexample> {
    match check_bounded(history, initial, usize::MAX) {
        Verdict::NotLinearizable(ce) => Err(ce),
        Verdict::Linearizable | Verdict::Unknown => Ok(()),
    }
}

/// Like [`check`], but gives up on a key once its search has visited `max_states` distinct
/// (linearized set, value) configurations; the verdict is then `Unknown` unless another key
/// is found to be non-linearizable. Keys are checked in ascending order.
pub fn check_bounded(history: &[Call], initial: u64, max_states: usize) -> Verdict {
    let mut by_key: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, c) in history.iter().enumerate() {
        // An unanswered read neither constrains nor changes anything.
        if c.ret.is_some() || c.op != Op::Read {
            by_key.entry(c.key).or_default().push(i);
        }
    }
    let mut unknown = false;
    for ids in by_key.values() {
        if let Some(ce) = unwritten_read(history, ids, initial) {
            return Verdict::NotLinearizable(ce);
        }
        match search_key(history, ids, initial, max_states) {
            Verdict::Linearizable => {}
            Verdict::Unknown => unknown = true,
            v => return v,
        }
    }
    if unknown {
        Verdict::Unknown
    } else {
        Verdict::Linearizable
    }
}

/// The register's next value if `op` with answer `ret` (None: unanswered) can take effect
/// when it holds `cur`. Unanswered calls are only worth linearizing where they change it.
fn apply(op: Op, ret: Option<Ret>, cur: u64) -> Option<u64> {
    match (op, ret) {
        (Op::Read, Some(Ret::Value(v))) => (v == cur).then_some(cur),
        (Op::Write(v), Some(Ret::Ok)) => Some(v),
        (Op::Cas { expect, new }, Some(Ret::Ok)) => (cur == expect).then_some(new),
        (Op::Cas { expect, .. }, Some(Ret::Fail)) => (cur != expect).then_some(cur),
        (Op::Write(v), None) => (v != cur).then_some(v),
        (Op::Cas { expect, new }, None) => (cur == expect && new != cur).then_some(new),
        _ => None,
    }
}

fn describe(history: &[Call], i: usize) -> String {
    let c = &history[i];
    match c.ret {
        Some((t, r)) => format!(
            "#{i} (client {}: {:?} -> {:?}, over [{}, {t}])",
            c.client, c.op, r, c.invoke
        ),
        None => format!(
            "#{i} (client {}: {:?}, invoked at {}, never answered)",
            c.client, c.op, c.invoke
        ),
    }
}

/// A completed read of a value that is neither `initial` nor written by any call of the key
/// invoked by the read's return.
fn unwritten_read(history: &[Call], ids: &[usize], initial: u64) -> Option<Counterexample> {
    ids.iter().find_map(|&i| {
        let c = &history[i];
        let (Op::Read, Some((t, Ret::Value(v)))) = (c.op, c.ret) else {
            return None;
        };
        let written = |j: &usize| {
            let w = &history[*j];
            w.invoke <= t && matches!(w.op, Op::Write(x) | Op::Cas { new: x, .. } if x == v)
        };
        (v != initial && !ids.iter().any(written)).then(|| Counterexample {
            key: c.key,
            calls: vec![i],
            text: format!(
                "key {}: read {} returned {v}, which is neither the initial value {initial} \
                 nor written by any call invoked by time {t}",
                c.key,
                describe(history, i)
            ),
        })
    })
}

const NIL: usize = usize::MAX;

/// Doubly linked list of events; node 0 is the head, events are nodes 1..=m in time order.
struct Links {
    next: Vec<usize>,
    prev: Vec<usize>,
}

impl Links {
    fn unlink(&mut self, e: usize) {
        let (p, n) = (self.prev[e], self.next[e]);
        self.next[p] = n;
        if n != NIL {
            self.prev[n] = p;
        }
    }

    /// Undoes `unlink(e)`; relinks must come in the reverse order of the unlinks.
    fn relink(&mut self, e: usize) {
        let (p, n) = (self.prev[e], self.next[e]);
        self.next[p] = e;
        if n != NIL {
            self.prev[n] = e;
        }
    }
}

/// The deepest dead end met: the search could linearize `depth` answered calls (the last
/// linearized being `last`) leaving `value` (set by `writer`, or initial), then reached the
/// return of `stuck` while the answered calls `open` (invoked, not linearized, including
/// `stuck`) and any unanswered ones could not go on.
struct DeadEnd {
    depth: usize,
    value: u64,
    last: Option<usize>,
    writer: Option<usize>,
    stuck: usize,
    open: Vec<usize>,
}

fn toggle(done_a: &mut [u64], done_p: &mut [u64], answered: bool, i: usize) {
    let bits = if answered { done_a } else { done_p };
    bits[i / 64] ^= 1 << (i % 64);
}

/// Wing & Gong / Lowe search over the calls `ids` (indices into `history`) of one key.
///
/// Answered calls live in the linked event list; unanswered ones (which have no return event)
/// in `pending`, ordered by invocation, and are tried only after the answered candidates. The
/// memo maps (answered calls linearized, value) to the sets of unanswered calls linearized
/// with them (and whether the last one was unanswered); a configuration is skipped if a
/// visited one had a subset of those, since leaving an unanswered call out never removes
/// options.
fn search_key(history: &[Call], ids: &[usize], initial: u64, max_states: usize) -> Verdict {
    let n = ids.len();
    let answered: Vec<bool> = ids.iter().map(|&i| history[i].ret.is_some()).collect();
    // Events as (time, is_return, local call): invocations sort before returns at equal times.
    let mut events = Vec::with_capacity(2 * n);
    let mut pending = Vec::new();
    for (l, &i) in ids.iter().enumerate() {
        let c = &history[i];
        match c.ret {
            Some((t, _)) => events.extend([(c.invoke, false, l), (t.max(c.invoke), true, l)]),
            None => pending.push((c.invoke, l)),
        }
    }
    events.sort_unstable();
    pending.sort_unstable();
    let m = events.len();
    let mut links = Links {
        next: (1..=m + 1).map(|e| if e > m { NIL } else { e }).collect(),
        prev: (0..=m).map(|e| e.saturating_sub(1)).collect(),
    };
    // Node of each answered call's events; rank of each call among answered or pending ones.
    let (mut inv_node, mut ret_node, mut rank) = (vec![NIL; n], vec![NIL; n], vec![0; n]);
    for (k, &(_, is_ret, l)) in events.iter().enumerate() {
        (if is_ret { &mut ret_node } else { &mut inv_node })[l] = k + 1;
    }
    for (r, l) in (0..n).filter(|&l| answered[l]).enumerate() {
        rank[l] = r;
    }
    for (p, &(_, l)) in pending.iter().enumerate() {
        rank[l] = p;
    }
    let event = |e: usize| (events[e - 1].1, events[e - 1].2);
    // Unanswered writes of values no read returns and no CAS expects are interchangeable:
    // only the earliest not yet linearized one is tried (`prev_junk` chains them).
    let observed = ids.iter().filter_map(|&i| match history[i] {
        Call {
            op: Op::Cas { expect, .. },
            ..
        } => Some(expect),
        Call {
            ret: Some((_, Ret::Value(v))),
            ..
        } => Some(v),
        _ => None,
    });
    let observed: HashSet<u64> = observed.collect();
    let (mut prev_junk, mut last_junk) = (vec![NIL; pending.len()], NIL);
    for (p, &(_, l)) in pending.iter().enumerate() {
        if matches!(history[ids[l]].op, Op::Write(x) if !observed.contains(&x)) {
            (prev_junk[p], last_junk) = (last_junk, p);
        }
    }
    let bit = |bits: &[u64], i: usize| bits[i / 64] >> (i % 64) & 1 == 1;

    let total = m / 2;
    let mut remaining = total;
    let mut done_a = vec![0u64; total.div_ceil(64)];
    let mut done_p = vec![0u64; pending.len().div_ceil(64)];
    let mut seen: HashMap<Vec<u64>, Vec<(Vec<u64>, bool)>> = HashMap::new();
    let (mut states, mut key) = (0usize, Vec::with_capacity(done_a.len() + 1));
    // Linearized calls with the value before each and the `block` when it was chosen.
    let mut stack: Vec<(usize, u64, usize)> = Vec::new();
    let mut value = initial;
    let mut worst: Option<DeadEnd> = None;
    // The scan: answered invocations from `main`, then (main = NIL) pending calls from index
    // `next_pending` invoked by the first return event `block`.
    let (mut main, mut next_pending, mut block) = (links.next[0], 0, NIL);
    while remaining > 0 {
        let candidate = if main != NIL && !event(main).0 {
            let l = event(main).1;
            main = links.next[main];
            Some(l)
        } else if main != NIL {
            (block, next_pending, main) = (main, 0, NIL);
            continue;
        } else if let Some(&(t, l)) = pending.get(next_pending) {
            next_pending += 1;
            let ret_time = events[block - 1].0;
            let p = rank[l];
            let free = !bit(&done_p, p) && (prev_junk[p] == NIL || bit(&done_p, prev_junk[p]));
            match (t <= ret_time, free) {
                (true, true) => Some(l),
                (true, false) => continue,
                (false, _) => None,
            }
        } else {
            None
        };
        if let Some(l) = candidate {
            let c = &history[ids[l]];
            // A write right after an unanswered call makes that call pointless: the order
            // without it is explored anyway (hence the flag in the memo).
            let after_pending = stack.last().is_some_and(|s| !answered[s.0]);
            let Some(v) = apply(c.op, c.ret.map(|r| r.1), value) else {
                continue;
            };
            if after_pending && matches!(c.op, Op::Write(_)) {
                continue;
            }
            toggle(&mut done_a, &mut done_p, answered[l], rank[l]);
            key.clear();
            key.extend_from_slice(&done_a);
            key.push(v);
            let flag = !answered[l];
            let covers = |(q, f): &(Vec<u64>, bool)| {
                (flag || !f) && q.iter().zip(&done_p).all(|(x, y)| x & !y == 0)
            };
            if seen
                .get(key.as_slice())
                .is_some_and(|m| m.iter().any(covers))
            {
                toggle(&mut done_a, &mut done_p, answered[l], rank[l]);
                continue;
            }
            states += 1;
            if states > max_states {
                return Verdict::Unknown;
            }
            seen.entry(key.clone())
                .or_default()
                .push((done_p.clone(), flag));
            stack.push((l, value, block));
            value = v;
            if answered[l] {
                links.unlink(inv_node[l]);
                links.unlink(ret_node[l]);
                remaining -= 1;
            }
            main = links.next[0];
            continue;
        }
        // Dead end: nothing can be linearized before the return at `block`.
        let depth = total - remaining;
        // Prefer the deepest dead end, and one not right after an unanswered call.
        let rank_of = |depth, last: Option<usize>| (depth, last.is_none_or(|l| answered[l]));
        let top = stack.last().map(|s| s.0);
        if worst
            .as_ref()
            .is_none_or(|w| rank_of(depth, top) > rank_of(w.depth, w.last))
        {
            let mut open = Vec::new();
            let mut e = links.next[0];
            while e != block {
                open.push(event(e).1);
                e = links.next[e];
            }
            let (last, stuck) = (stack.last().map(|s| s.0), event(block).1);
            let sets = |l: &usize| {
                let c = &history[ids[*l]];
                let effect = c.ret.is_none_or(|r| r.1 == Ret::Ok);
                effect && matches!(c.op, Op::Write(_) | Op::Cas { .. })
            };
            let writer = stack.iter().rev().map(|s| s.0).find(sets);
            worst = Some(DeadEnd {
                depth,
                value,
                last,
                writer,
                stuck,
                open,
            });
        }
        let Some((l, before, b)) = stack.pop() else {
            // `worst` is always set by now.
            let explained = worst.map(|w| explain(history, ids, total, w));
            return explained.map_or(Verdict::Unknown, Verdict::NotLinearizable);
        };
        value = before;
        toggle(&mut done_a, &mut done_p, answered[l], rank[l]);
        if answered[l] {
            links.relink(ret_node[l]);
            links.relink(inv_node[l]);
            remaining += 1;
            main = links.next[inv_node[l]];
        } else {
            (main, next_pending, block) = (NIL, rank[l] + 1, b);
        }
    }
    Verdict::Linearizable
}

fn explain(history: &[Call], ids: &[usize], total: usize, w: DeadEnd) -> Counterexample {
    let key = history[ids[w.stuck]].key;
    let stuck = ids[w.stuck];
    let last = match w.last {
        Some(l) => format!(", the last being {},", describe(history, ids[l])),
        None => String::new(),
    };
    let set_by = match w.writer {
        Some(l) if w.last == Some(l) => "set by it".to_string(),
        Some(l) => format!("set by {}", describe(history, ids[l])),
        None => "its initial value".to_string(),
    };
    let others = w.open.iter().filter(|&&l| l != w.stuck);
    let others: Vec<String> = others.map(|&l| describe(history, ids[l])).collect();
    let mut text = format!(
        "key {key}: not linearizable. At best {} of the key's {total} answered calls can be \
         ordered{last} leaving the register at {} ({set_by}); then {} cannot take effect \
         before it returns",
        w.depth,
        w.value,
        describe(history, stuck)
    );
    if !others.is_empty() {
        text += &format!(", whatever is ordered first among {}", others.join(", "));
    }
    text.push('.');
    let involved = w.open.iter().chain(&w.last).chain(&w.writer);
    let mut calls: Vec<usize> = involved.map(|&l| ids[l]).collect();
    calls.push(stuck);
    calls.sort_unstable();
    calls.dedup();
    Counterexample { key, calls, text }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(client: NodeId, key: u64, op: Op, at: Time, end: Time, ret: Ret) -> Call {
        let ret = Some((end, ret));
        Call {
            client,
            key,
            op,
            invoke: at,
            ret,
        }
    }

    /// One client's sequential calls on key 0, call `t` over [2t, 2t + 1].
    fn seq(ops: &[(Op, Ret)]) -> Vec<Call> {
        let at = |t: usize| 2 * t as Time;
        (0..ops.len())
            .map(|t| done(0, 0, ops[t].0, at(t), at(t) + 1, ops[t].1))
            .collect()
    }

    const R: Op = Op::Read;
    fn w(v: u64) -> Op {
        Op::Write(v)
    }
    fn cas(expect: u64, new: u64) -> Op {
        Op::Cas { expect, new }
    }

    /// The sequential register: new value and answer.
    fn run(op: Op, s: u64) -> (u64, Ret) {
        match op {
            Op::Read => (s, Ret::Value(s)),
            Op::Write(v) => (v, Ret::Ok),
            Op::Cas { expect, new } if s == expect => (new, Ret::Ok),
            Op::Cas { .. } => (s, Ret::Fail),
        }
    }

    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// `n` calls on `keys` keys with values below `vals`, invoked around `i * gap`, lasting up
    /// to `dur`, executed by sequential registers (initially 0) at random points inside their
    /// intervals; one in ten is never answered (and takes effect or not).
    fn generate(rng: &mut Rng, n: u64, keys: u64, vals: u64, gap: u64, dur: u64) -> Vec<Call> {
        let (mut calls, mut points) = (Vec::new(), Vec::new());
        for i in 0..n {
            let op = [R, w(rng.below(vals)), cas(rng.below(vals), rng.below(vals))];
            let (op, at, d) = (
                op[rng.below(3) as usize],
                i * gap + rng.below(3 * gap),
                rng.below(dur + 1),
            );
            let answered = rng.below(10) != 0;
            if answered || rng.below(2) == 0 {
                points.push((at + rng.below(d + 1), i as usize));
            }
            calls.push(done(
                i as usize % 5,
                rng.below(keys),
                op,
                at,
                at + d,
                Ret::Ok,
            ));
            calls[i as usize].ret = calls[i as usize].ret.filter(|_| answered);
        }
        points.sort_unstable();
        let mut regs: BTreeMap<u64, u64> = BTreeMap::new();
        for (_, i) in points {
            let reg = regs.entry(calls[i].key).or_insert(0);
            let (v, r) = run(calls[i].op, *reg);
            *reg = v;
            calls[i].ret = calls[i].ret.map(|(t, _)| (t, r));
        }
        calls
    }

    /// Reference: tries every real-time order of one key's calls (unanswered ones optional).
    fn brute(calls: &[Call], left: &mut Vec<usize>, s: u64) -> bool {
        if left.iter().all(|&i| calls[i].ret.is_none()) {
            return true;
        }
        for k in 0..left.len() {
            let c = calls[left[k]].clone();
            let earlier = |j: &usize| calls[*j].ret.is_some_and(|(t, _)| t < c.invoke);
            let (v, r) = run(c.op, s);
            if left.iter().any(earlier) || c.ret.is_some_and(|(_, ret)| ret != r) {
                continue;
            }
            let i = left.remove(k);
            let ok = brute(calls, left, v);
            left.insert(k, i);
            if ok {
                return true;
            }
        }
        false
    }

    #[test]
    fn sequential_histories_and_cas_semantics() {
        let mut h = History::default();
        let script = [(w(1), Ret::Ok), (R, Ret::Value(1)), (cas(1, 2), Ret::Ok)];
        let script = script
            .into_iter()
            .chain([(cas(1, 3), Ret::Fail), (R, Ret::Value(2))]);
        for (t, (op, ret)) in script.enumerate() {
            let id = h.invoke(t % 2, 7, op, 10 * t as Time);
            h.complete(id, ret, 10 * t as Time + 5);
            h.complete(id, Ret::Fail, 10 * t as Time + 6); // ignored
        }
        assert_eq!((h.calls().len(), h.check(0)), (5, Ok(())));
        assert_eq!(h.check_bounded(0, 100), Verdict::Linearizable);
        assert_eq!(
            check(&seq(&[(cas(0, 1), Ret::Ok), (R, Ret::Value(1))]), 0),
            Ok(())
        );
        assert_eq!(check(&seq(&[(cas(5, 1), Ret::Fail)]), 0), Ok(()));
        assert!(check(&seq(&[(cas(0, 1), Ret::Fail)]), 0).is_err());
        assert!(check(&seq(&[(cas(5, 1), Ret::Ok)]), 0).is_err());
        let lost = seq(&[(cas(0, 1), Ret::Ok), (R, Ret::Value(0))]);
        assert_eq!(check(&lost, 0).map_err(|ce| ce.calls), Err(vec![0, 1]));
    }

    #[test]
    fn concurrent_read_may_see_either_value() {
        for seen in [0, 1] {
            let h = [
                done(0, 0, w(1), 0, 10, Ret::Ok),
                done(1, 0, R, 2, 5, Ret::Value(seen)),
            ];
            assert_eq!(check(&h, 0), Ok(()));
        }
        // Closed intervals: a read invoked when the write returns may still precede it.
        let h = [
            done(0, 0, w(1), 0, 5, Ret::Ok),
            done(1, 0, R, 5, 6, Ret::Value(0)),
        ];
        assert_eq!(check(&h, 0), Ok(()));
    }

    #[test]
    fn stale_read_after_completed_write_is_caught() {
        let h = [
            done(0, 3, w(1), 0, 1, Ret::Ok),
            done(1, 3, R, 2, 3, Ret::Value(0)),
        ];
        let ce = check(&h, 0).unwrap_err();
        eprintln!("{ce}");
        assert_eq!((ce.key, ce.calls.clone()), (3, vec![0, 1]));
        assert!(ce.text.contains("#1 (client 1: Read -> Value(0)"), "{ce}");
    }

    #[test]
    fn read_of_unwritten_value_is_caught() {
        let h = [
            done(0, 0, w(1), 0, 1, Ret::Ok),
            done(1, 0, R, 2, 3, Ret::Value(9)),
            done(2, 0, w(9), 4, 5, Ret::Ok),
        ];
        let ce = check(&h, 0).unwrap_err();
        assert_eq!((ce.key, ce.calls), (0, vec![1]));
        let ids = [0, 1, 2];
        assert!(matches!(
            search_key(&h, &ids, 0, 99),
            Verdict::NotLinearizable(_)
        ));
    }

    #[test]
    fn unanswered_write_may_or_may_not_take_effect() {
        let h = |reads: &[u64]| -> Vec<Call> {
            let lost = |op| Call {
                client: 0,
                key: 0,
                op,
                invoke: 0,
                ret: None,
            };
            let t = |k: usize| 10 * k as Time + 10;
            let reads =
                (0..reads.len()).map(|k| done(1, 0, R, t(k), t(k) + 1, Ret::Value(reads[k])));
            [lost(w(1)), lost(R)].into_iter().chain(reads).collect()
        };
        assert_eq!(check(&h(&[1]), 0), Ok(()));
        assert_eq!(check(&h(&[0, 0]), 0), Ok(()));
        assert_eq!(check(&h(&[0, 1, 1]), 0), Ok(()));
        let ce = check(&h(&[1, 0]), 0).unwrap_err();
        eprintln!("{ce}");
        assert_eq!(ce.calls, vec![0, 2, 3]);
    }

    #[test]
    fn keys_are_checked_independently() {
        let h = [
            done(0, 1, w(1), 0, 1, Ret::Ok),
            done(1, 2, w(1), 0, 1, Ret::Ok),
            done(0, 1, R, 2, 3, Ret::Value(1)),
            done(1, 2, R, 2, 3, Ret::Value(0)),
        ];
        let ce = check(&h, 0).unwrap_err();
        assert_eq!((ce.key, ce.calls), (2, vec![1, 3]));
        assert_eq!(check(&h[..3], 0), Ok(()));
    }

    #[test]
    fn random_register_histories_pass_and_mutated_reads_fail() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..300 {
            let mut h = generate(&mut rng, 40, 2, 4, 3, 12);
            assert_eq!(check(&h, 0), Ok(()), "round {round}: {h:?}");
            let reads: Vec<usize> = (0..h.len())
                .filter(|&i| h[i].op == R && h[i].ret.is_some())
                .collect();
            let Some(&r) = reads.get(rng.below(reads.len().max(1) as u64) as usize) else {
                continue;
            };
            let (key, end) = (h[r].key, h[r].ret.map_or(0, |(t, _)| t));
            // A value no call invoked by the read's return writes: never current in its interval.
            let writes = |i: usize| match h[i].op {
                Op::Write(v) | Op::Cas { new: v, .. } if h[i].key == key => Some((h[i].invoke, v)),
                _ => None,
            };
            let early: Vec<u64> = (0..h.len())
                .filter_map(writes)
                .filter(|w| w.0 <= end)
                .map(|w| w.1)
                .collect();
            let mut later = (0..h.len()).filter_map(writes).map(|w| w.1).chain([100]);
            let v = later.find(|v| *v != 0 && !early.contains(v)).unwrap_or(100);
            h[r].ret = Some((end, Ret::Value(v)));
            let ce = check(&h, 0).unwrap_err();
            assert_eq!(
                (ce.key, ce.calls.contains(&r)),
                (key, true),
                "round {round}"
            );
            let ids: Vec<usize> = (0..h.len()).filter(|&i| h[i].key == key).collect();
            let full = search_key(&h, &ids, 0, usize::MAX);
            assert!(matches!(full, Verdict::NotLinearizable(_)), "round {round}");
        }
    }

    #[test]
    fn small_random_histories_agree_with_brute_force() {
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let mut verdicts = [0; 2];
        for round in 0..3000 {
            let mut h = generate(&mut rng, 7, 1, 3, 2, 6);
            let i = rng.below(7) as usize;
            let flip = match h[i].ret {
                Some((_, Ret::Value(_))) => Ret::Value(rng.below(3)),
                Some((_, Ret::Ok)) if matches!(h[i].op, Op::Cas { .. }) => Ret::Fail,
                Some((_, Ret::Fail)) => Ret::Ok,
                _ => Ret::Ok,
            };
            h[i].ret = h[i].ret.map(|(t, _)| (t, flip));
            let expected = brute(&h, &mut (0..h.len()).collect(), 0);
            assert_eq!(check(&h, 0).is_ok(), expected, "round {round}: {h:?}");
            verdicts[expected as usize] += 1;
        }
        assert!(verdicts[0] > 100 && verdicts[1] > 100, "{verdicts:?}");
    }

    #[test]
    fn twenty_concurrent_calls_stay_bounded() {
        let mut h: Vec<_> = (0..20)
            .map(|c| done(c, 0, w(c as u64 + 1), 0, 10, Ret::Ok))
            .collect();
        h.push(done(20, 0, R, 11, 12, Ret::Value(7)));
        assert_eq!(check(&h, 0), Ok(()));
        // Two different values after all writes ended: every order must be refuted.
        h.push(done(20, 0, R, 13, 14, Ret::Value(8)));
        let start = std::time::Instant::now();
        assert_eq!(check_bounded(&h, 0, 100_000), Verdict::Unknown);
        eprintln!(
            "20 concurrent writes, bounded refutation: {:?}",
            start.elapsed()
        );
    }

    #[test]
    fn two_thousand_mostly_sequential_calls_check_fast() {
        let mut h = generate(&mut Rng(0xDEAD_BEEF), 2000, 1, 1000, 10, 12);
        let start = std::time::Instant::now();
        assert_eq!(check(&h, 0), Ok(()));
        eprintln!("2,000 calls, linearizable: {:?}", start.elapsed());
        // A stale read at the end (of a value written before): every order must be refuted.
        let t = 30_000;
        h.push(done(0, 0, w(5000), t, t + 1, Ret::Ok));
        h.push(done(0, 0, w(5001), t + 2, t + 3, Ret::Ok));
        h.push(done(1, 0, R, t + 4, t + 5, Ret::Value(5000)));
        let start = std::time::Instant::now();
        let ce = check(&h, 0).unwrap_err();
        eprintln!(
            "2,000 calls, stale read at the end: {:?}\n{ce}",
            start.elapsed()
        );
        assert_eq!(ce.calls, vec![2001, 2002]);
    }
}
