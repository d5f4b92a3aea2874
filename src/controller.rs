//! The app's state around one running network lab: the session, play/pause and speed, the
//! partition tool's draft, and frame statistics. Every UI control (menus, keys, buttons, tests)
//! changes the run through these methods, so there is one handler per user action. Plotted labs
//! have no controller (and so no simulation): they build their own models (`crate::plots`).

use std::cell::RefCell;
use std::rc::Rc;

use distlab_engine::input::{InputError, RunConfig, SPEED_MAX, SPEED_MIN};
use distlab_engine::labs::{self, EventRef, LabSession, View};
use distlab_engine::sim::{Action, ActionError};
use distlab_engine::{NodeId, Time, MS};

use crate::render::{Hit, Layout};
use crate::timeline::Timeline;

/// Rolling frame-cost statistics for the `?debug=1` overlay.
#[derive(Clone, Debug, Default)]
pub struct FrameStats {
    /// Milliseconds of simulation + drawing per frame, newest last (at most 120).
    pub costs: Vec<f64>,
    pub frames: u64,
    /// `performance.now()` when the first frame was drawn (milliseconds since navigation).
    pub first_frame_ms: f64,
}

impl FrameStats {
    pub fn push(&mut self, ms: f64) {
        if self.costs.len() >= 120 {
            self.costs.remove(0);
        }
        self.costs.push(ms);
        self.frames += 1;
    }

    pub fn median(&self) -> f64 {
        let mut v = self.costs.clone();
        if v.is_empty() {
            return 0.0;
        }
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }
}

/// The most recorded history (trace records and sent messages) a tab keeps for one run: past
/// it the oldest history is dropped (a sliding window), so a long run at high speed goes on
/// for ever without exhausting the tab's memory; the scrubber then covers what is kept.
/// (5-node Raft records about 140 MB per simulated hour, 190 MB with 200 writes a second;
/// 15 nodes with 1,000 writes a second, about 45 MB per simulated minute.) The estimate leaves
/// out the vectors' spare room, which can add as much again.
pub const HISTORY_BUDGET: usize = 128 << 20;

/// One network lab run as the UI drives it.
pub struct Controller {
    pub cfg: RunConfig,
    pub session: Box<dyn LabSession>,
    pub playing: bool,
    pub speed: f64,
    /// The partition tool's draft: a group per node, while the tool is open.
    pub partition_draft: Option<Vec<u32>>,
    /// The node whose menu is open.
    pub menu: Option<NodeId>,
    /// The last refused action, shown to the user.
    pub last_error: Option<ActionError>,
    pub stats: FrameStats,
    /// What the mouse is over.
    pub hover: Hit,
    /// The canvas layout of the last frame, and the CSS size it was made for.
    pub layout: Option<Layout>,
    pub layout_size: (f64, f64),
    /// The space-time diagram's index of the trace, and its window length.
    pub timeline: Timeline,
    pub timeline_span: Time,
    /// The view model of the run's current state, shared by the frame, the panels and hit
    /// tests (see [`Controller::view`]).
    view_cache: RefCell<Option<(ViewKey, Rc<View>)>>,
    /// Bumped whenever something the panels show changed.
    pub version: u64,
    /// See [`HISTORY_BUDGET`]; tests lower it ([`Controller::set_history_budget`]).
    history_budget: usize,
    /// Something the user should know about their last action (shown until the next one).
    pub notice: Option<Notice>,
    /// The node menu was opened from the keyboard: move the focus into it.
    pub menu_focus: bool,
    /// `prefers-reduced-motion`: messages sit still on their links instead of moving.
    pub reduced_motion: bool,
    /// The link and the message picked in the keyboard panel.
    pub pick_link: (NodeId, NodeId),
    pub pick_msg: Option<u64>,
    /// The spoken state summary last announced, and when (wall ms), to throttle it.
    pub live: (String, f64),
    carry: f64,
    /// The demo values this free run started with (`clients=2`), shown in the status panel.
    pub demo: Vec<String>,
    /// Events picked on the space-time diagram (labs that mark lane events): a, then b.
    pub picked: Vec<EventRef>,
}

/// A message about what an action did besides the obvious.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// An action taken after scrubbing back started a new branch: the recorded history after
    /// `at` (up to `until`) was discarded.
    Branched { at: Time, until: Time },
}

pub type Shared = Rc<RefCell<Controller>>;

/// What identifies a state of the run for the view cache: time, events processed, trace
/// length and action-log length.
type ViewKey = (Time, u64, usize, usize);

impl Controller {
    /// A controller for an already parsed configuration (and any problem with its action log).
    pub fn from_config(cfg: RunConfig) -> (Controller, Option<InputError>) {
        let (mut session, err) = labs::create(&cfg);
        session.set_history_budget(Some(HISTORY_BUDGET));
        crate::render::set_looks(session.looks());
        let c = Controller {
            demo: Vec::new(),
            speed: cfg.speed,
            cfg,
            session,
            playing: true,
            partition_draft: None,
            menu: None,
            last_error: None,
            stats: FrameStats::default(),
            hover: Hit::Nothing,
            layout: None,
            layout_size: (0.0, 0.0),
            timeline: Timeline::default(),
            timeline_span: crate::canvas::TIMELINE_SPAN,
            version: 0,
            view_cache: RefCell::new(None),
            history_budget: HISTORY_BUDGET,
            notice: None,
            menu_focus: false,
            reduced_motion: false,
            pick_link: (0, 1),
            pick_msg: None,
            live: (String::new(), f64::NEG_INFINITY),
            carry: 0.0,
            picked: Vec::new(),
        };
        (c, err)
    }

    /// The current view model, built once per state of the run: the network canvas, the log
    /// canvas, mouse hit tests and every panel share it instead of each building its own.
    pub fn view(&self) -> Rc<View> {
        let s = &self.session;
        let key = (s.now(), s.events(), s.trace().len(), s.actions().len());
        let mut cache = self.view_cache.borrow_mut();
        match cache.as_ref() {
            Some((k, v)) if *k == key => v.clone(),
            _ => {
                let v = Rc::new(s.view());
                *cache = Some((key, v.clone()));
                v
            }
        }
    }

    fn changed(&mut self) {
        self.version += 1;
    }

    /// The most history bytes kept ([`HISTORY_BUDGET`] unless a test lowered it).
    pub fn history_budget(&self) -> usize {
        self.history_budget
    }

    /// Keeps at most `bytes` of recorded history from now on (the oldest is dropped).
    pub fn set_history_budget(&mut self, bytes: usize) {
        self.history_budget = bytes;
        self.session.set_history_budget(Some(bytes));
        self.changed();
    }

    /// Whether older history was dropped to stay within the budget: the scrubber then starts
    /// at [`Controller::window_start`], and the timeline panel says so.
    pub fn history_trimmed(&self) -> bool {
        self.session.window_start() > 0
    }

    /// The earliest time the scrubber reaches: where the kept history starts.
    pub fn window_start(&self) -> Time {
        self.session.window_start()
    }

    /// Advances the run by `real_ms` of wall time at the current speed (if playing). A run
    /// goes on for ever: past the history budget its oldest history is dropped.
    pub fn advance_real(&mut self, real_ms: f64) {
        if !self.playing {
            return;
        }
        // Cap a frame at 100 ms of wall time so a background tab does not jump ahead.
        let sim = real_ms.clamp(0.0, 100.0) * self.speed * MS as f64 + self.carry;
        let whole = sim.floor();
        self.carry = sim - whole;
        if whole >= 1.0 {
            let window = self.session.window_start();
            self.session.run_until(self.session.now() + whole as Time);
            if self.session.window_start() != window {
                self.changed();
            }
        }
    }

    pub fn toggle_play(&mut self) {
        self.playing = !self.playing;
        self.changed();
    }

    /// One event forward; pauses.
    pub fn step(&mut self) {
        self.playing = false;
        self.session.step();
        self.changed();
    }

    pub fn set_speed(&mut self, speed: f64) {
        if speed.is_finite() {
            self.speed = speed.clamp(SPEED_MIN, SPEED_MAX);
            self.changed();
        }
    }

    /// Jumps to a time (the scrubber and the event log) within the kept history; pauses.
    pub fn seek(&mut self, t: Time) {
        self.playing = false;
        let t = t
            .min(self.session.horizon())
            .max(self.session.window_start());
        self.session.seek(t);
        self.changed();
    }

    /// Applies a user action now. This is the single handler behind the node menu, link and
    /// message clicks, the partition tool and the tests.
    ///
    /// An action in the past (after scrubbing back) starts a new branch and discards the
    /// recorded future; [`Controller::notice`] then says so.
    pub fn apply(&mut self, action: Action) -> Result<(), ActionError> {
        let (at, until) = (self.session.now(), self.session.horizon());
        let r = self.session.act(action);
        self.last_error = r.clone().err();
        self.notice = match r {
            Ok(()) if until > at => Some(Notice::Branched { at, until }),
            _ => None,
        };
        self.changed();
        r
    }

    /// Cuts a link if whole, heals it if cut.
    pub fn toggle_link(&mut self, a: NodeId, b: NodeId) -> Result<(), ActionError> {
        let cut = self
            .session
            .view()
            .links
            .iter()
            .any(|l| l.cut && ((l.a, l.b) == (a, b) || (l.a, l.b) == (b, a)));
        if cut {
            self.apply(Action::Heal { a, b })
        } else {
            self.apply(Action::Cut { a, b })
        }
    }

    /// Opens or closes the partition tool; opening starts from the current groups.
    pub fn toggle_partition_tool(&mut self) {
        self.partition_draft = match self.partition_draft {
            Some(_) => None,
            None => Some(self.view().groups.clone()),
        };
        self.changed();
    }

    /// In the partition tool: moves a node to the next group (at most 3 groups).
    pub fn cycle_group(&mut self, node: NodeId) {
        if let Some(d) = self.partition_draft.as_mut() {
            if let Some(g) = d.get_mut(node) {
                *g = (*g + 1) % 3;
            }
        }
        self.changed();
    }

    /// In the partition tool: puts a node in group `group` (0..3), from the keyboard panel.
    pub fn set_group(&mut self, node: NodeId, group: u32) {
        if let Some(g) = self.partition_draft.as_mut().and_then(|d| d.get_mut(node)) {
            *g = group.min(2);
        }
        self.changed();
    }

    /// Puts `node` into `target`'s group (drag and drop in the partition tool).
    pub fn join_group(&mut self, node: NodeId, target: NodeId) {
        if let Some(d) = self.partition_draft.as_mut() {
            if let (Some(&g), true) = (d.get(target), node < d.len()) {
                d[node] = g;
            }
        }
        self.changed();
    }

    pub fn apply_partition(&mut self) -> Result<(), ActionError> {
        let Some(groups) = self.partition_draft.take() else {
            return Ok(());
        };
        self.apply(Action::Partition { groups })
    }

    /// Picks an event on the space-time diagram: a first, then b; a third pick starts a new
    /// pair with it as a.
    pub fn pick_event(&mut self, e: EventRef) {
        if self.picked.len() >= 2 {
            self.picked.clear();
        }
        self.picked.push(e);
        self.changed();
    }

    /// Sets event a (`slot` 0) or b (`slot` 1) from the event picker; None clears it (and b
    /// with a, since b is picked after a).
    pub fn set_pick(&mut self, slot: usize, e: Option<EventRef>) {
        match (slot, e) {
            (0, Some(e)) if self.picked.is_empty() => self.picked.push(e),
            (0, Some(e)) => self.picked[0] = e,
            (0, None) => self.picked.clear(),
            (_, Some(_)) if self.picked.is_empty() => {}
            (_, Some(e)) => {
                self.picked.truncate(1);
                self.picked.push(e);
            }
            (_, None) => self.picked.truncate(1),
        }
        self.changed();
    }

    /// The query string that replays this run exactly.
    pub fn share_query(&self) -> String {
        let mut cfg = self.cfg.clone();
        cfg.speed = self.speed;
        cfg.share_query(self.session.actions())
    }

    /// Restarts the run from time zero with the same parameters and no actions.
    pub fn restart_run(&mut self) {
        let mut cfg = self.cfg.clone();
        cfg.actions.clear();
        self.session = labs::create(&cfg).0;
        self.session.set_history_budget(Some(self.history_budget));
        self.partition_draft = None;
        self.menu = None;
        self.notice = None;
        self.picked.clear();
        self.changed();
    }
}
