//! Fair allocation, as Mesos's first-level scheduler does it.
//!
//! - [`max_min_fair`]: one divisible resource shared by progressive filling. Each round offers
//!   every unsatisfied user an equal share (weighted: a share per unit of weight); users who
//!   need less take only what they need and the rest is shared again next round.
//! - [`Drf`]: dominant resource fairness over any number of resources with whole tasks. The
//!   user with the lowest dominant share (weighted: share / weight) whose next task still fits
//!   launches it; filling stops when no user's next task fits, so nothing is wasted that a
//!   user could use. Users may join, leave or change their per-task demand between fills.
//! - [`asset_fair`] (equal sums of shares) and [`per_resource_max_min`] (each resource split
//!   on its own) on the same inputs, to set beside DRF.
//!
//! Every function returns its steps so the app can animate them.

use crate::labs::plot_params::{check_drf, check_mmf, DRF_TEXTS, MMF_PARAMS, MMF_TEXTS};
use crate::labs::{Group, LabDef, ModelView};
use std::fmt;

/// The most users one allocation may have.
pub const MAX_USERS: usize = 256;
/// The most resource kinds.
pub const MAX_RESOURCES: usize = 16;
/// The most tasks one fill may launch; beyond this the result says `truncated`.
pub const MAX_TASKS: u64 = 50_000;

/// Why inputs were refused. `Display` is one English line.
#[derive(Clone, Debug, PartialEq)]
pub enum FairError {
    NoUsers,
    TooManyUsers(usize),
    NoResources,
    TooManyResources(usize),
    BadCapacity(f64),
    BadDemand {
        user: usize,
        value: f64,
    },
    BadWeight {
        user: usize,
        value: f64,
    },
    WrongLength {
        what: &'static str,
        got: usize,
        want: usize,
    },
    EmptyTask {
        user: usize,
    },
    NoSuchUser(u32),
}

impl fmt::Display for FairError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FairError::NoUsers => write!(f, "there are no users"),
            FairError::TooManyUsers(n) => write!(f, "{n} users is more than {MAX_USERS}"),
            FairError::NoResources => write!(f, "there are no resources"),
            FairError::TooManyResources(n) => {
                write!(f, "{n} resources is more than {MAX_RESOURCES}")
            }
            FairError::BadCapacity(c) => {
                write!(f, "capacity {c} is not a positive finite number")
            }
            FairError::BadDemand { user, value } => write!(
                f,
                "user {}'s demand {value} is not a finite number ≥ 0",
                user_name(*user)
            ),
            FairError::BadWeight { user, value } => write!(
                f,
                "user {}'s weight {value} is not a positive finite number",
                user_name(*user)
            ),
            FairError::WrongLength { what, got, want } => {
                write!(f, "{got} {what} given, expected {want}")
            }
            FairError::EmptyTask { user } => write!(
                f,
                "user {}'s task needs none of any resource",
                user_name(*user)
            ),
            FairError::NoSuchUser(id) => write!(f, "there is no user {id}"),
        }
    }
}

impl std::error::Error for FairError {}

/// Users are named like spreadsheet columns: A, B, …, Z, AA, AB, …
pub fn user_name(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn positive(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

fn check_weights(weights: &[f64], n: usize) -> Result<Vec<f64>, FairError> {
    if weights.is_empty() {
        return Ok(vec![1.0; n]);
    }
    if weights.len() != n {
        return Err(FairError::WrongLength {
            what: "weights",
            got: weights.len(),
            want: n,
        });
    }
    match weights.iter().position(|&w| !positive(w)) {
        Some(user) => Err(FairError::BadWeight {
            user,
            value: weights[user],
        }),
        None => Ok(weights.to_vec()),
    }
}

fn check_users(n: usize) -> Result<(), FairError> {
    match n {
        0 => Err(FairError::NoUsers),
        n if n > MAX_USERS => Err(FairError::TooManyUsers(n)),
        _ => Ok(()),
    }
}

/// One round of progressive filling.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MmfStep {
    pub round: u32,
    /// Capacity left at the start of the round.
    pub available: f64,
    /// Users still wanting more at the start of the round.
    pub active: Vec<usize>,
    /// The equal share per unit of weight offered this round.
    pub share: f64,
    /// What each user got this round.
    pub given: Vec<f64>,
    /// Allocation after the round.
    pub allocation: Vec<f64>,
    /// Users whose demand was met this round.
    pub satisfied: Vec<usize>,
}

/// A max-min fair allocation and how it was reached.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MmfResult {
    pub capacity: f64,
    pub demands: Vec<f64>,
    pub weights: Vec<f64>,
    pub allocation: Vec<f64>,
    pub steps: Vec<MmfStep>,
    /// Capacity nobody needed.
    pub unallocated: f64,
    /// Users by ascending demand (the notes' first step).
    pub order: Vec<usize>,
}

/// Max-min fairness by progressive filling. `weights` empty means all 1.
pub fn max_min_fair(
    capacity: f64,
    demands: &[f64],
    weights: &[f64],
) -> Result<MmfResult, FairError> {
    check_users(demands.len())?;
    if !(capacity.is_finite() && capacity >= 0.0) {
        return Err(FairError::BadCapacity(capacity));
    }
    if let Some(user) = demands.iter().position(|d| !(d.is_finite() && *d >= 0.0)) {
        return Err(FairError::BadDemand {
            user,
            value: demands[user],
        });
    }
    let weights = check_weights(weights, demands.len())?;
    let n = demands.len();
    let eps = 1e-12 * capacity.max(1.0);
    let mut allocation = vec![0.0; n];
    let mut available = capacity;
    let mut steps = Vec::new();
    loop {
        let active: Vec<usize> = (0..n)
            .filter(|&i| demands[i] - allocation[i] > eps)
            .collect();
        if active.is_empty() || available <= eps {
            break;
        }
        let share = available / active.iter().map(|&i| weights[i]).sum::<f64>();
        let mut given = vec![0.0; n];
        let mut satisfied = Vec::new();
        for &i in &active {
            let need = demands[i] - allocation[i];
            let offer = share * weights[i];
            if need <= offer + eps {
                given[i] = need;
                satisfied.push(i);
            } else {
                given[i] = offer;
            }
        }
        let start = available;
        for i in 0..n {
            allocation[i] += given[i];
            available -= given[i];
        }
        if available <= eps {
            available = 0.0;
        }
        steps.push(MmfStep {
            round: steps.len() as u32 + 1,
            available: start,
            active,
            share,
            given,
            allocation: allocation.clone(),
            satisfied: satisfied.clone(),
        });
        if satisfied.is_empty() {
            break;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| demands[a].total_cmp(&demands[b]).then(a.cmp(&b)));
    Ok(MmfResult {
        capacity,
        demands: demands.to_vec(),
        weights,
        allocation,
        steps,
        unallocated: available,
        order,
    })
}

/// A user's dominant share: the largest of its allocation's shares of each resource's
/// capacity (a resource of capacity 0 counts 0). [`Drf`] fills by it; Mesos's allocator
/// (`sched-mesos`) orders frameworks by it.
pub fn dominant_share(allocation: &[f64], capacity: &[f64]) -> f64 {
    allocation
        .iter()
        .zip(capacity)
        .map(|(a, c)| if *c > 0.0 { a / c } else { 0.0 })
        .fold(0.0, f64::max)
}

/// Which share progressive filling equalises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Dominant resource fairness: the largest of a user's shares.
    Drf,
    /// Asset fairness: the sum of a user's shares.
    Asset,
}

/// A user of a multi-resource allocation.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DrfUser {
    /// Stable id (the join order), also after others leave.
    pub id: u32,
    pub name: String,
    /// Per-task demand, one amount per resource.
    pub demand: Vec<f64>,
    pub weight: f64,
    pub tasks: u64,
    /// False once the user has left.
    pub active: bool,
}

/// What happened in one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DrfEventKind {
    /// The user launched one more task.
    Launch,
    Join,
    /// The user left; its tasks ended and its resources were freed.
    Leave,
    /// The user's per-task demand changed; its tasks were restarted from zero.
    Demand,
}

/// One step of the history. Only `user`'s share changes in a step.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DrfStep {
    pub step: u32,
    pub kind: DrfEventKind,
    pub user: u32,
    /// The user's tasks after the step.
    pub tasks: u64,
    /// The user's dominant share after the step.
    pub dominant_share: f64,
    /// The user's share in the policy's sense (dominant or asset), divided by its weight.
    pub fill_share: f64,
}

/// A multi-resource allocation filled task by task.
#[derive(Clone, Debug, PartialEq)]
pub struct Drf {
    policy: Policy,
    capacity: Vec<f64>,
    users: Vec<DrfUser>,
    used: Vec<f64>,
    steps: Vec<DrfStep>,
    truncated: bool,
}

impl Drf {
    pub fn new(policy: Policy, capacity: &[f64]) -> Result<Drf, FairError> {
        match capacity.len() {
            0 => return Err(FairError::NoResources),
            r if r > MAX_RESOURCES => return Err(FairError::TooManyResources(r)),
            _ => {}
        }
        if let Some(&c) = capacity.iter().find(|&&c| !positive(c)) {
            return Err(FairError::BadCapacity(c));
        }
        Ok(Drf {
            policy,
            capacity: capacity.to_vec(),
            users: Vec::new(),
            used: vec![0.0; capacity.len()],
            steps: Vec::new(),
            truncated: false,
        })
    }

    fn check_demand(&self, user: usize, demand: &[f64]) -> Result<(), FairError> {
        if demand.len() != self.capacity.len() {
            return Err(FairError::WrongLength {
                what: "demand amounts",
                got: demand.len(),
                want: self.capacity.len(),
            });
        }
        if let Some(&value) = demand.iter().find(|d| !(d.is_finite() && **d >= 0.0)) {
            return Err(FairError::BadDemand { user, value });
        }
        if demand.iter().all(|&d| d == 0.0) {
            return Err(FairError::EmptyTask { user });
        }
        Ok(())
    }

    /// A new user joins with no tasks; returns its id.
    pub fn add_user(&mut self, demand: &[f64], weight: f64) -> Result<u32, FairError> {
        let id = self.users.len();
        check_users(id + 1)?;
        self.check_demand(id, demand)?;
        if !positive(weight) {
            return Err(FairError::BadWeight {
                user: id,
                value: weight,
            });
        }
        self.users.push(DrfUser {
            id: id as u32,
            name: user_name(id),
            demand: demand.to_vec(),
            weight,
            tasks: 0,
            active: true,
        });
        self.record(DrfEventKind::Join, id as u32);
        Ok(id as u32)
    }

    fn user_index(&self, id: u32) -> Result<usize, FairError> {
        match self.users.get(id as usize) {
            Some(u) if u.active => Ok(id as usize),
            _ => Err(FairError::NoSuchUser(id)),
        }
    }

    fn release(&mut self, i: usize) {
        let u = &mut self.users[i];
        for (used, d) in self.used.iter_mut().zip(&u.demand) {
            *used = (*used - d * u.tasks as f64).max(0.0);
        }
        u.tasks = 0;
    }

    /// The user leaves: its tasks end and their resources are free for others.
    pub fn remove_user(&mut self, id: u32) -> Result<(), FairError> {
        let i = self.user_index(id)?;
        self.release(i);
        self.users[i].active = false;
        self.record(DrfEventKind::Leave, id);
        Ok(())
    }

    /// The user's per-task demand changes: its tasks end and it starts again from zero.
    pub fn set_demand(&mut self, id: u32, demand: &[f64]) -> Result<(), FairError> {
        let i = self.user_index(id)?;
        self.check_demand(i, demand)?;
        self.release(i);
        self.users[i].demand = demand.to_vec();
        self.record(DrfEventKind::Demand, id);
        Ok(())
    }

    /// Clears every allocation (users stay) and the history.
    pub fn reset(&mut self) {
        for u in &mut self.users {
            u.tasks = 0;
        }
        self.used.iter_mut().for_each(|u| *u = 0.0);
        self.steps.clear();
        self.truncated = false;
    }

    /// The user's share of resource `r` per task.
    fn per_task(&self, i: usize, r: usize) -> f64 {
        self.users[i].demand[r] / self.capacity[r]
    }

    /// The largest of the user's resource shares.
    pub fn dominant_share(&self, id: u32) -> f64 {
        let i = id as usize;
        let per = (0..self.capacity.len())
            .map(|r| self.per_task(i, r))
            .fold(0.0, f64::max);
        per * self.users[i].tasks as f64
    }

    /// The sum of the user's resource shares.
    pub fn asset_share(&self, id: u32) -> f64 {
        let i = id as usize;
        let per: f64 = (0..self.capacity.len()).map(|r| self.per_task(i, r)).sum();
        per * self.users[i].tasks as f64
    }

    /// Index of the resource the user's task needs the largest share of.
    pub fn dominant_resource(&self, id: u32) -> usize {
        let i = id as usize;
        (0..self.capacity.len())
            .max_by(|&a, &b| {
                self.per_task(i, a)
                    .total_cmp(&self.per_task(i, b))
                    .then(b.cmp(&a))
            })
            .unwrap_or(0)
    }

    /// The share progressive filling compares: the policy's share over the weight.
    pub fn fill_share(&self, id: u32) -> f64 {
        let share = match self.policy {
            Policy::Drf => self.dominant_share(id),
            Policy::Asset => self.asset_share(id),
        };
        share / self.users[id as usize].weight
    }

    /// Whether the user's next task fits in what is left.
    pub fn fits(&self, id: u32) -> bool {
        let u = &self.users[id as usize];
        u.active
            && (0..self.capacity.len())
                .all(|r| self.used[r] + u.demand[r] <= self.capacity[r] * (1.0 + 1e-12) + 1e-12)
    }

    /// Whether any active user could launch one more task.
    pub fn anyone_fits(&self) -> bool {
        (0..self.users.len() as u32).any(|id| self.fits(id))
    }

    /// Launches one task for the user with the lowest share whose task fits (ties: lowest
    /// id). Returns the user, or `None` when no user's task fits.
    pub fn step(&mut self) -> Option<u32> {
        let pick = (0..self.users.len() as u32)
            .filter(|&id| self.fits(id))
            .min_by(|&a, &b| {
                self.fill_share(a)
                    .total_cmp(&self.fill_share(b))
                    .then(a.cmp(&b))
            })?;
        let u = &mut self.users[pick as usize];
        u.tasks += 1;
        for (used, d) in self.used.iter_mut().zip(&u.demand) {
            *used += d;
        }
        self.record(DrfEventKind::Launch, pick);
        Some(pick)
    }

    /// Steps until no task fits (or [`MAX_TASKS`] launches, then `truncated`). Returns the
    /// tasks launched.
    pub fn fill(&mut self) -> u64 {
        let mut launched = 0;
        while launched < MAX_TASKS {
            if self.step().is_none() {
                return launched;
            }
            launched += 1;
        }
        self.truncated = self.anyone_fits();
        launched
    }

    fn record(&mut self, kind: DrfEventKind, user: u32) {
        self.steps.push(DrfStep {
            step: self.steps.len() as u32 + 1,
            kind,
            user,
            tasks: self.users[user as usize].tasks,
            dominant_share: self.dominant_share(user),
            fill_share: self.fill_share(user),
        });
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    pub fn capacity(&self) -> &[f64] {
        &self.capacity
    }

    pub fn users(&self) -> &[DrfUser] {
        &self.users
    }

    /// Resources in use, per resource.
    pub fn used(&self) -> &[f64] {
        &self.used
    }

    pub fn steps(&self) -> &[DrfStep] {
        &self.steps
    }

    /// Whether the last fill stopped at [`MAX_TASKS`] with tasks still fitting.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Each user's dominant share after every step (rows by user id), for line charts.
    pub fn share_series(&self) -> Vec<Vec<f64>> {
        let mut current = vec![0.0; self.users.len()];
        let mut rows = vec![Vec::with_capacity(self.steps.len()); self.users.len()];
        for s in &self.steps {
            current[s.user as usize] = s.dominant_share;
            for (row, &v) in rows.iter_mut().zip(&current) {
                row.push(v);
            }
        }
        rows
    }

    /// Allocations for stacked bars, shares and utilisation.
    pub fn result(&self) -> DrfResult {
        let users = self
            .users
            .iter()
            .map(|u| UserAllocation {
                id: u.id,
                name: u.name.clone(),
                active: u.active,
                demand: u.demand.clone(),
                weight: u.weight,
                tasks: u.tasks,
                allocation: u.demand.iter().map(|d| d * u.tasks as f64).collect(),
                dominant_resource: self.dominant_resource(u.id),
                dominant_share: self.dominant_share(u.id),
                asset_share: self.asset_share(u.id),
            })
            .collect();
        DrfResult {
            policy: self.policy,
            capacity: self.capacity.clone(),
            used: self.used.clone(),
            utilization: self
                .used
                .iter()
                .zip(&self.capacity)
                .map(|(u, c)| u / c)
                .collect(),
            users,
            steps: self.steps.clone(),
            saturated: !self.anyone_fits(),
            truncated: self.truncated,
        }
    }
}

/// One user's part of a multi-resource allocation.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct UserAllocation {
    pub id: u32,
    pub name: String,
    pub active: bool,
    pub demand: Vec<f64>,
    pub weight: f64,
    pub tasks: u64,
    /// Resources held, per resource (`tasks × demand`).
    pub allocation: Vec<f64>,
    pub dominant_resource: usize,
    pub dominant_share: f64,
    pub asset_share: f64,
}

/// A filled multi-resource allocation.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DrfResult {
    pub policy: Policy,
    pub capacity: Vec<f64>,
    pub used: Vec<f64>,
    pub utilization: Vec<f64>,
    pub users: Vec<UserAllocation>,
    pub steps: Vec<DrfStep>,
    /// No active user can launch one more task.
    pub saturated: bool,
    pub truncated: bool,
}

fn fill_with(
    policy: Policy,
    capacity: &[f64],
    demands: &[Vec<f64>],
    weights: &[f64],
) -> Result<DrfResult, FairError> {
    check_users(demands.len())?;
    let weights = check_weights(weights, demands.len())?;
    let mut drf = Drf::new(policy, capacity)?;
    for (d, &w) in demands.iter().zip(&weights) {
        drf.add_user(d, w)?;
    }
    drf.fill();
    Ok(drf.result())
}

/// Dominant resource fairness from scratch. `weights` empty means all 1.
pub fn drf(
    capacity: &[f64],
    demands: &[Vec<f64>],
    weights: &[f64],
) -> Result<DrfResult, FairError> {
    fill_with(Policy::Drf, capacity, demands, weights)
}

/// Asset fairness (equal sums of resource shares) from scratch, on the same inputs.
pub fn asset_fair(
    capacity: &[f64],
    demands: &[Vec<f64>],
    weights: &[f64],
) -> Result<DrfResult, FairError> {
    fill_with(Policy::Asset, capacity, demands, weights)
}

/// One user's part when every resource is split on its own.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PerResourceUser {
    pub id: u32,
    pub name: String,
    /// What max-min gave the user of each resource.
    pub entitlement: Vec<f64>,
    /// Whole tasks the scarcest entitlement allows.
    pub tasks: u64,
    /// Resources the tasks actually use.
    pub allocation: Vec<f64>,
    pub dominant_share: f64,
}

/// Per-resource max-min on the same inputs: each resource is split by max-min on its own,
/// a user's demand for it being what the user could use alone (its most tasks × per-task
/// need); then each user runs as many whole tasks as its scarcest entitlement allows. What it
/// is entitled to but cannot use is `idle`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PerResourceResult {
    pub capacity: Vec<f64>,
    pub per_resource: Vec<MmfResult>,
    pub users: Vec<PerResourceUser>,
    pub used: Vec<f64>,
    pub utilization: Vec<f64>,
    /// Entitled to users but unused by their whole tasks, per resource.
    pub idle: Vec<f64>,
}

/// See [`PerResourceResult`]. `weights` empty means all 1.
pub fn per_resource_max_min(
    capacity: &[f64],
    demands: &[Vec<f64>],
    weights: &[f64],
) -> Result<PerResourceResult, FairError> {
    check_users(demands.len())?;
    let weights = check_weights(weights, demands.len())?;
    // Validates capacity and demands the same way DRF does.
    let mut probe = Drf::new(Policy::Drf, capacity)?;
    for (d, &w) in demands.iter().zip(&weights) {
        probe.add_user(d, w)?;
    }
    let alone = |d: &[f64]| -> f64 {
        let most = d
            .iter()
            .zip(capacity)
            .filter(|(d, _)| **d > 0.0)
            .map(|(d, c)| c / d)
            .fold(f64::INFINITY, f64::min);
        (most + 1e-9).floor()
    };
    let per_resource = (0..capacity.len())
        .map(|r| {
            let want: Vec<f64> = demands.iter().map(|d| alone(d) * d[r]).collect();
            max_min_fair(capacity[r], &want, &weights)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let users: Vec<PerResourceUser> = demands
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let entitlement: Vec<f64> = per_resource.iter().map(|m| m.allocation[i]).collect();
            let tasks = d
                .iter()
                .zip(&entitlement)
                .filter(|(d, _)| **d > 0.0)
                .map(|(d, e)| (e / d + 1e-9).floor())
                .fold(f64::INFINITY, f64::min)
                .min(alone(d)) as u64;
            let allocation: Vec<f64> = d.iter().map(|x| x * tasks as f64).collect();
            let dominant_share = allocation
                .iter()
                .zip(capacity)
                .map(|(a, c)| a / c)
                .fold(0.0, f64::max);
            PerResourceUser {
                id: i as u32,
                name: user_name(i),
                entitlement,
                tasks,
                allocation,
                dominant_share,
            }
        })
        .collect();
    let used: Vec<f64> = (0..capacity.len())
        .map(|r| users.iter().map(|u| u.allocation[r]).sum())
        .collect();
    let idle = (0..capacity.len())
        .map(|r| {
            users
                .iter()
                .map(|u| (u.entitlement[r] - u.allocation[r]).max(0.0))
                .sum()
        })
        .collect();
    Ok(PerResourceResult {
        capacity: capacity.to_vec(),
        utilization: used.iter().zip(capacity).map(|(u, c)| u / c).collect(),
        per_resource,
        users,
        used,
        idle,
    })
}

/// ` --weights …` when the lab's weights are set.
fn weights_flag(p: &crate::params::Params) -> String {
    match p.text("weights").trim() {
        "" => String::new(),
        w => format!(" --weights {w}"),
    }
}

/// Max-min fairness's row in the lab registry.
pub const MMF_LAB: LabDef = LabDef::model(
    "fair-mmf",
    Group::Scheduling,
    &MMF_PARAMS,
    &MMF_TEXTS,
    check_mmf,
    |p| {
        format!(
            "mmf --capacity {} --demands {}{}",
            p.get("capacity"),
            p.text("demands"),
            weights_flag(p)
        )
    },
    ModelView::MaxMin,
);

/// Dominant resource fairness's row in the lab registry.
pub const DRF_LAB: LabDef = LabDef::model(
    "fair-drf",
    Group::Scheduling,
    &[],
    &DRF_TEXTS,
    check_drf,
    |p| {
        format!(
            "drf --capacity {} --demands {}{}",
            p.text("capacity"),
            p.text("demands").replace(';', "/"),
            weights_flag(p)
        )
    },
    ModelView::DominantResource,
);
