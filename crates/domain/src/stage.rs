//! The project pipeline 谋划 → 洽谈 → 签约 → 落地 → 开工 → 投产, recorded as dated events, plus
//! 暂停 / 恢复 / 终止. A project's position is never typed in: it is replayed from its events,
//! and every event is checked against the ones before it.
//!
//! Rules:
//! - each stage is recorded at most once (a wrong date is corrected on the existing event);
//! - the first stage recorded is 谋划, 洽谈 or 签约; every later stage needs its immediate
//!   predecessor (a skipped stage is recorded too, on the same date if need be);
//! - a stage's date is not earlier than the date of any earlier stage;
//! - 暂停 and 终止 need a reason (the note); 暂停 only while active; 恢复 only while paused and
//!   returns to the last stage; 终止 while active or paused; nothing after 终止; no stage while
//!   paused; 暂停/恢复/终止 are not dated before the latest event.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::validate::{Invalid, TEXT_MAX};

/// A stage of the pipeline, ordered along it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 谋划
    Planning,
    /// 洽谈
    Negotiating,
    /// 签约
    Signed,
    /// 落地 (registered, site secured)
    Landed,
    /// 开工
    Started,
    /// 投产
    Producing,
}

impl Stage {
    pub const ALL: [Stage; 6] =
        [Stage::Planning, Stage::Negotiating, Stage::Signed, Stage::Landed, Stage::Started, Stage::Producing];

    pub fn code(self) -> &'static str {
        match self {
            Stage::Planning => "planning",
            Stage::Negotiating => "negotiating",
            Stage::Signed => "signed",
            Stage::Landed => "landed",
            Stage::Started => "started",
            Stage::Producing => "producing",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Planning => "谋划",
            Stage::Negotiating => "洽谈",
            Stage::Signed => "签约",
            Stage::Landed => "落地",
            Stage::Started => "开工",
            Stage::Producing => "投产",
        }
    }

    /// By code or by Chinese label.
    pub fn parse(s: &str) -> Option<Stage> {
        let s = s.trim();
        Stage::ALL.into_iter().find(|st| st.code() == s || st.label() == s)
    }

    /// Position along the path, 0 for 谋划 … 5 for 投产 (the index into [`Position::dates`]).
    pub fn index(self) -> usize {
        match self {
            Stage::Planning => 0,
            Stage::Negotiating => 1,
            Stage::Signed => 2,
            Stage::Landed => 3,
            Stage::Started => 4,
            Stage::Producing => 5,
        }
    }

    pub fn previous(self) -> Option<Stage> {
        self.index().checked_sub(1).map(|i| Stage::ALL[i])
    }

    pub fn next(self) -> Option<Stage> {
        Stage::ALL.get(self.index() + 1).copied()
    }

    /// Whether a project's record may begin with this stage (谋划, 洽谈 or 签约).
    pub fn is_entry(self) -> bool {
        self <= Stage::Signed
    }
}

/// What an event records: reaching a stage, or a change of status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Stage(Stage),
    /// 暂停 (needs a reason)
    Pause,
    /// 终止 (needs a reason)
    Terminate,
    /// 恢复
    Resume,
}

impl EventKind {
    pub const ALL: [EventKind; 9] = [
        EventKind::Stage(Stage::Planning),
        EventKind::Stage(Stage::Negotiating),
        EventKind::Stage(Stage::Signed),
        EventKind::Stage(Stage::Landed),
        EventKind::Stage(Stage::Started),
        EventKind::Stage(Stage::Producing),
        EventKind::Pause,
        EventKind::Resume,
        EventKind::Terminate,
    ];

    /// The stage codes, plus "pause", "terminate", "resume".
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Stage(s) => s.code(),
            EventKind::Pause => "pause",
            EventKind::Terminate => "terminate",
            EventKind::Resume => "resume",
        }
    }

    /// The stage labels, plus 暂停, 终止, 恢复.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Stage(s) => s.label(),
            EventKind::Pause => "暂停",
            EventKind::Terminate => "终止",
            EventKind::Resume => "恢复",
        }
    }

    /// By code or by Chinese label.
    pub fn parse(s: &str) -> Option<EventKind> {
        let s = s.trim();
        EventKind::ALL.into_iter().find(|k| k.code() == s || k.label() == s)
    }

    pub fn stage(self) -> Option<Stage> {
        match self {
            EventKind::Stage(s) => Some(s),
            _ => None,
        }
    }

    /// Whether an event of this kind needs a note (the reason): 暂停 and 终止.
    pub fn needs_reason(self) -> bool {
        matches!(self, EventKind::Pause | EventKind::Terminate)
    }
}

impl From<Stage> for EventKind {
    fn from(s: Stage) -> Self {
        EventKind::Stage(s)
    }
}

/// Serialised as its code, e.g. "signed" or "pause".
impl Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        EventKind::parse(&s).ok_or_else(|| {
            let codes: Vec<&str> = EventKind::ALL.iter().map(|k| k.code()).collect();
            serde::de::Error::custom(format!("事件类型“{s}”无效，应为 {} 之一", codes.join("、")))
        })
    }
}

impl utoipa::PartialSchema for EventKind {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(EventKind::ALL.iter().map(|k| k.code())))
            .description(Some("事件类型：阶段（planning 谋划、negotiating 洽谈、signed 签约、landed 落地、started 开工、producing 投产）或 pause 暂停、resume 恢复、terminate 终止"))
            .into()
    }
}

impl utoipa::ToSchema for EventKind {}

/// One dated event of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Event {
    pub kind: EventKind,
    pub date: NaiveDate,
    /// The reason (required for 暂停 and 终止) or a remark.
    #[serde(default)]
    pub note: Option<String>,
}

impl Event {
    pub fn new(kind: impl Into<EventKind>, date: NaiveDate, note: Option<String>) -> Event {
        Event { kind: kind.into(), date, note }
    }

    /// A stage event without a note.
    pub fn stage(stage: Stage, date: NaiveDate) -> Event {
        Event { kind: EventKind::Stage(stage), date, note: None }
    }

    fn has_note(&self) -> bool {
        self.note.as_deref().is_some_and(|n| !n.trim().is_empty())
    }
}

/// Whether a project is going on, paused or terminated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Active,
    Paused,
    Terminated,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Active, Status::Paused, Status::Terminated];

    pub fn code(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Paused => "paused",
            Status::Terminated => "terminated",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Active => "进行中",
            Status::Paused => "暂停",
            Status::Terminated => "终止",
        }
    }

    /// By code or by Chinese label.
    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim();
        Status::ALL.into_iter().find(|st| st.code() == s || st.label() == s)
    }
}

/// Where a project stands after its events: the furthest stage reached, its status and the
/// date of each stage.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct Position {
    /// The furthest stage recorded; `None` before the first stage event.
    pub stage: Option<Stage>,
    pub status: Status,
    /// The date of each stage, indexed by [`Stage::index`] (谋划 first).
    #[schema(value_type = Vec<Option<NaiveDate>>)]
    pub dates: [Option<NaiveDate>; 6],
}

impl Position {
    pub fn date_of(&self, stage: Stage) -> Option<NaiveDate> {
        self.dates[stage.index()]
    }

    /// The date of the current stage.
    pub fn stage_date(&self) -> Option<NaiveDate> {
        self.stage.and_then(|s| self.date_of(s))
    }

    /// e.g. "签约", "开工（暂停）", "未录入".
    pub fn label(&self) -> String {
        let stage = self.stage.map(Stage::label).unwrap_or("未录入");
        match self.status {
            Status::Active => stage.to_string(),
            s => format!("{stage}（{}）", s.label()),
        }
    }
}

/// An event that breaks a rule. `field` is the event field to correct: "kind", "date" or "note".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageError {
    pub field: &'static str,
    pub message: String,
}

impl StageError {
    fn kind(message: String) -> StageError {
        StageError { field: "kind", message }
    }

    fn date(message: String) -> StageError {
        StageError { field: "date", message }
    }

    fn note(message: String) -> StageError {
        StageError { field: "note", message }
    }
}

impl std::fmt::Display for StageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StageError {}

impl From<StageError> for Invalid {
    fn from(e: StageError) -> Invalid {
        Invalid::one(e.field, e.message)
    }
}

/// The state while replaying.
#[derive(Default)]
struct Replay {
    pos: Position,
    /// The latest event applied and its date.
    last: Option<(EventKind, NaiveDate)>,
    /// When the current pause or the termination happened.
    status_since: Option<NaiveDate>,
}

impl Replay {
    fn apply(&mut self, e: &Event) -> Result<(), StageError> {
        let d = e.date;
        let label = e.kind.label();
        if self.pos.status == Status::Terminated {
            let since = self.since();
            return Err(StageError::kind(format!("项目已于 {since} 终止，不能再记录{label}")));
        }
        if let Some(note) = &e.note
            && note.trim().chars().count() > TEXT_MAX
        {
            return Err(StageError::note(format!("{label}说明不能超过 {TEXT_MAX} 个字")));
        }
        match e.kind {
            EventKind::Stage(s) => self.stage(s, d)?,
            EventKind::Pause => {
                if self.pos.status == Status::Paused {
                    let since = self.since();
                    return Err(StageError::kind(format!("项目已于 {since} 暂停，不能重复暂停")));
                }
                self.not_before_latest(e)?;
                if !e.has_note() {
                    return Err(StageError::note("请填写暂停原因".into()));
                }
                self.pos.status = Status::Paused;
                self.status_since = Some(d);
            }
            EventKind::Resume => {
                if self.pos.status != Status::Paused {
                    return Err(StageError::kind("项目没有暂停，无需恢复".into()));
                }
                self.not_before_latest(e)?;
                self.pos.status = Status::Active;
                self.status_since = None;
            }
            EventKind::Terminate => {
                self.not_before_latest(e)?;
                if !e.has_note() {
                    return Err(StageError::note("请填写终止原因".into()));
                }
                self.pos.status = Status::Terminated;
                self.status_since = Some(d);
            }
        }
        self.last = Some((e.kind, d));
        Ok(())
    }

    fn since(&self) -> String {
        self.status_since.map(|d| d.to_string()).unwrap_or_default()
    }

    fn not_before_latest(&self, e: &Event) -> Result<(), StageError> {
        match self.last {
            Some((k, last)) if e.date < last => Err(StageError::date(format!(
                "{}日期 {} 早于最近一条记录（{} {last}）的日期",
                e.kind.label(),
                e.date,
                k.label()
            ))),
            _ => Ok(()),
        }
    }

    fn stage(&mut self, s: Stage, d: NaiveDate) -> Result<(), StageError> {
        let label = s.label();
        if self.pos.status == Status::Paused {
            let since = self.since();
            return Err(StageError::kind(format!("项目已暂停，请先恢复（暂停于 {since}），再记录{label}")));
        }
        if let Some(prev) = self.pos.date_of(s) {
            return Err(StageError::kind(format!(
                "{label}已记录（{prev}），每个阶段只记录一次；如日期有误，请修改原记录"
            )));
        }
        match self.pos.stage {
            None if !s.is_entry() => {
                return Err(StageError::kind(format!(
                    "项目的第一个阶段只能是谋划、洽谈或签约，不能从{label}开始；跳过的阶段也要记录日期（可与{label}同日）"
                )));
            }
            None => {}
            Some(cur) if s < cur => {
                // Below the first recorded stage: only as an earlier-dated event.
                let (first, first_date) = self.first_stage().unwrap_or((cur, d));
                return Err(StageError::date(format!(
                    "{label}是{}之前的阶段，补记{label}时日期应早于{}日期 {first_date}",
                    first.label(),
                    first.label()
                )));
            }
            Some(cur) => {
                if cur.next() != Some(s) {
                    let prev = s.previous().map(Stage::label).unwrap_or_default();
                    return Err(StageError::kind(format!(
                        "记录{label}前须先记录{prev}：跳过的阶段也要记录日期（可与{label}同日）"
                    )));
                }
                if let Some(cur_date) = self.pos.date_of(cur)
                    && d < cur_date
                {
                    return Err(StageError::date(format!("{label}日期 {d} 早于{}日期 {cur_date}", cur.label())));
                }
            }
        }
        if let Some((k, last)) = self.last
            && d < last
        {
            return Err(StageError::date(format!("{label}日期 {d} 早于{}日期 {last}", k.label())));
        }
        self.pos.dates[s.index()] = Some(d);
        self.pos.stage = Some(s);
        Ok(())
    }

    fn first_stage(&self) -> Option<(Stage, NaiveDate)> {
        Stage::ALL.into_iter().find_map(|s| self.pos.date_of(s).map(|d| (s, d)))
    }
}

/// Replays events in the given order; the index of the offending event comes with an error.
fn replay_indexed(events: &[Event]) -> Result<Position, (usize, StageError)> {
    let mut r = Replay::default();
    for (i, e) in events.iter().enumerate() {
        r.apply(e).map_err(|err| (i, err))?;
    }
    Ok(r.pos)
}

/// Applies `events` in the given order (the caller sorts them by date, then by insertion) and
/// checks every rule; returns where the project stands.
pub fn replay(events: &[Event]) -> Result<Position, StageError> {
    replay_indexed(events).map_err(|(_, e)| e)
}

/// Where `new` goes among `existing` (sorted by date, then insertion): after every event dated
/// on or before it. Status events (暂停/恢复/终止) always go last.
fn insertion_index(existing: &[Event], new: &Event) -> usize {
    match new.kind {
        EventKind::Stage(_) => existing.partition_point(|e| e.date <= new.date),
        _ => existing.len(),
    }
}

/// Checks adding `new` to a project whose events are `existing` (sorted by date, then by
/// insertion). A stage event may be back-dated: it is placed by its date and everything after it
/// must still hold. 暂停/恢复/终止 are not dated before the latest event. No event is dated after
/// `today`. Returns the position with `new` added.
pub fn check_append(existing: &[Event], new: &Event, today: NaiveDate) -> Result<Position, StageError> {
    let label = new.kind.label();
    if new.date > today {
        return Err(StageError::date(format!("{label}日期 {} 晚于今天（{today}），不能记录尚未发生的事", new.date)));
    }
    replay(existing)
        .map_err(|e| StageError { field: e.field, message: format!("已有记录有误：{}", e.message) })?;
    if let EventKind::Stage(s) = new.kind {
        let recorded: Vec<(Stage, NaiveDate)> =
            existing.iter().filter_map(|e| e.kind.stage().map(|st| (st, e.date))).collect();
        if let Some((_, prev)) = recorded.iter().find(|(st, _)| *st == s) {
            return Err(StageError::kind(format!(
                "{label}已记录（{prev}），每个阶段只记录一次；如日期有误，请修改原记录"
            )));
        }
        // The latest-dated earlier stage after it, the earliest-dated later stage before it.
        if let Some((t, td)) = recorded.iter().filter(|(t, td)| *t < s && *td > new.date).max_by_key(|(_, td)| *td) {
            return Err(StageError::date(format!("{label}日期 {} 早于{}日期 {td}", new.date, t.label())));
        }
        if let Some((t, td)) = recorded.iter().filter(|(t, td)| *t > s && *td < new.date).min_by_key(|(_, td)| *td) {
            return Err(StageError::date(format!("{label}日期 {} 晚于{}日期 {td}", new.date, t.label())));
        }
    }
    let at = insertion_index(existing, new);
    let mut events = Vec::with_capacity(existing.len() + 1);
    events.extend_from_slice(&existing[..at]);
    events.push(new.clone());
    events.extend_from_slice(&existing[at..]);
    replay_indexed(&events).map_err(|(i, e)| {
        if i <= at {
            e
        } else {
            let broken = &events[i];
            StageError {
                field: e.field,
                message: format!(
                    "补记{label}（{}）后，已有的{}（{}）记录不再成立：{}",
                    new.date,
                    broken.kind.label(),
                    broken.date,
                    e.message
                ),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn st(stage: Stage, date: &str) -> Event {
        Event::stage(stage, d(date))
    }

    fn ev(kind: EventKind, date: &str, note: &str) -> Event {
        Event::new(kind, d(date), if note.is_empty() { None } else { Some(note.to_string()) })
    }

    use Stage::*;

    #[test]
    fn codes_labels_and_order() {
        assert_eq!(Stage::ALL.map(Stage::label), ["谋划", "洽谈", "签约", "落地", "开工", "投产"]);
        for (i, s) in Stage::ALL.into_iter().enumerate() {
            assert_eq!(s.index(), i);
            assert_eq!(Stage::parse(s.code()), Some(s));
            assert_eq!(Stage::parse(s.label()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
        }
        assert!(Planning < Negotiating && Started < Producing);
        assert_eq!(Signed.previous(), Some(Negotiating));
        assert_eq!(Planning.previous(), None);
        assert_eq!(Producing.next(), None);
        assert_eq!(Stage::ALL.into_iter().filter(|s| s.is_entry()).count(), 3);
        assert_eq!(Stage::parse("立项"), None);
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.code()), Some(k));
            assert_eq!(EventKind::parse(k.label()), Some(k));
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.code()));
            assert_eq!(serde_json::from_str::<EventKind>(&json).unwrap(), k);
        }
        assert_eq!(EventKind::parse("pause"), Some(EventKind::Pause));
        assert_eq!(EventKind::Terminate.label(), "终止");
        assert_eq!(EventKind::Resume.label(), "恢复");
        assert!(serde_json::from_str::<EventKind>("\"archived\"").unwrap_err().to_string().contains("无效"));
        assert_eq!(Status::ALL.map(Status::label), ["进行中", "暂停", "终止"]);
        assert_eq!(Status::parse("paused"), Some(Status::Paused));
    }

    #[test]
    fn event_json_round_trip() {
        let e = ev(EventKind::Pause, "2025-03-01", "资金未到位");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v, serde_json::json!({"kind": "pause", "date": "2025-03-01", "note": "资金未到位"}));
        assert_eq!(serde_json::from_value::<Event>(v).unwrap(), e);
        let e: Event = serde_json::from_str(r#"{"kind":"签约","date":"2025-02-10"}"#).unwrap();
        assert_eq!(e, st(Signed, "2025-02-10"));
    }

    #[test]
    fn a_project_from_signing_to_production() {
        let events = [
            st(Signed, "2025-01-15"),
            st(Landed, "2025-02-20"),
            st(Started, "2025-04-01"),
            st(Producing, "2025-06-18"),
        ];
        let p = replay(&events).unwrap();
        assert_eq!(p.stage, Some(Producing));
        assert_eq!(p.status, Status::Active);
        assert_eq!(p.date_of(Signed), Some(d("2025-01-15")));
        assert_eq!(p.date_of(Planning), None);
        assert_eq!(p.stage_date(), Some(d("2025-06-18")));
        assert_eq!(p.label(), "投产");
        assert_eq!(replay(&[]).unwrap(), Position::default());
        assert_eq!(Position::default().label(), "未录入");
    }

    #[test]
    fn each_entry_point_is_allowed_and_nothing_else() {
        for s in [Planning, Negotiating, Signed] {
            assert_eq!(replay(&[st(s, "2025-01-01")]).unwrap().stage, Some(s));
        }
        for s in [Landed, Started, Producing] {
            let e = replay(&[st(s, "2025-01-01")]).unwrap_err();
            assert_eq!(e.field, "kind");
            assert!(e.message.contains("谋划、洽谈或签约"), "{e}");
            assert!(e.message.contains(s.label()), "{e}");
        }
    }

    #[test]
    fn each_stage_only_once() {
        let e = replay(&[st(Signed, "2025-01-15"), st(Signed, "2025-02-01")]).unwrap_err();
        assert_eq!(e.field, "kind");
        assert_eq!(e.message, "签约已记录（2025-01-15），每个阶段只记录一次；如日期有误，请修改原记录");
    }

    #[test]
    fn skipping_needs_the_skipped_date() {
        let e = replay(&[st(Signed, "2025-01-15"), st(Started, "2025-03-01")]).unwrap_err();
        assert_eq!(e.field, "kind");
        assert_eq!(e.message, "记录开工前须先记录落地：跳过的阶段也要记录日期（可与开工同日）");
        // recording the skipped stage on the same day is fine
        let p = replay(&[st(Signed, "2025-01-15"), st(Landed, "2025-03-01"), st(Started, "2025-03-01")]).unwrap();
        assert_eq!(p.stage, Some(Started));
    }

    #[test]
    fn stage_dates_follow_the_path() {
        let e = replay(&[st(Signed, "2025-01-15"), st(Landed, "2025-04-10"), st(Started, "2025-03-01")]).unwrap_err();
        assert_eq!(e.field, "date");
        assert_eq!(e.message, "开工日期 2025-03-01 早于落地日期 2025-04-10");
    }

    #[test]
    fn stages_do_not_go_back() {
        let e = replay(&[st(Signed, "2025-01-15"), st(Negotiating, "2025-01-15")]).unwrap_err();
        assert_eq!(e.field, "date");
        assert!(e.message.contains("洽谈是签约之前的阶段"), "{e}");
        assert!(e.message.contains("应早于签约日期 2025-01-15"), "{e}");
        // in date order it is fine
        assert!(replay(&[st(Negotiating, "2025-01-10"), st(Signed, "2025-01-15")]).is_ok());
    }

    #[test]
    fn pause_resume_terminate() {
        let base = vec![st(Signed, "2025-01-15"), st(Landed, "2025-02-20")];
        let mut events = base.clone();
        events.push(ev(EventKind::Pause, "2025-03-01", "资金未到位"));
        let p = replay(&events).unwrap();
        assert_eq!((p.stage, p.status), (Some(Landed), Status::Paused));
        assert_eq!(p.label(), "落地（暂停）");

        // no stage while paused
        let mut bad = events.clone();
        bad.push(st(Started, "2025-03-05"));
        let e = replay(&bad).unwrap_err();
        assert_eq!(e.field, "kind");
        assert!(e.message.starts_with("项目已暂停，请先恢复"), "{e}");
        assert!(e.message.contains("2025-03-01") && e.message.contains("开工"), "{e}");

        // no second pause
        let mut bad = events.clone();
        bad.push(ev(EventKind::Pause, "2025-03-05", "又停了"));
        assert_eq!(replay(&bad).unwrap_err().message, "项目已于 2025-03-01 暂停，不能重复暂停");

        // resume returns to the last stage
        events.push(ev(EventKind::Resume, "2025-04-01", ""));
        let p = replay(&events).unwrap();
        assert_eq!((p.stage, p.status), (Some(Landed), Status::Active));
        events.push(st(Started, "2025-04-01"));
        assert_eq!(replay(&events).unwrap().stage, Some(Started));

        // resume only while paused
        let mut bad = base.clone();
        bad.push(ev(EventKind::Resume, "2025-03-01", ""));
        let e = replay(&bad).unwrap_err();
        assert_eq!((e.field, e.message.as_str()), ("kind", "项目没有暂停，无需恢复"));

        // terminate while active or paused, then nothing
        for pre in [vec![], vec![ev(EventKind::Pause, "2025-03-01", "资金未到位")]] {
            let mut t = base.clone();
            t.extend(pre);
            t.push(ev(EventKind::Terminate, "2025-05-01", "企业放弃投资"));
            let p = replay(&t).unwrap();
            assert_eq!((p.stage, p.status), (Some(Landed), Status::Terminated));
            for k in EventKind::ALL {
                let mut after = t.clone();
                after.push(ev(k, "2025-06-01", "原因"));
                let e = replay(&after).unwrap_err();
                assert_eq!(e.field, "kind");
                assert!(e.message.starts_with("项目已于 2025-05-01 终止，不能再记录"), "{e}");
            }
        }
    }

    #[test]
    fn pause_and_terminate_need_a_reason() {
        let base = [st(Signed, "2025-01-15")];
        for (kind, want) in [(EventKind::Pause, "请填写暂停原因"), (EventKind::Terminate, "请填写终止原因")]
        {
            for note in [None, Some(String::new()), Some("  ".to_string())] {
                let mut events = base.to_vec();
                events.push(Event::new(kind, d("2025-02-01"), note));
                let e = replay(&events).unwrap_err();
                assert_eq!((e.field, e.message.as_str()), ("note", want));
            }
        }
        let mut events = base.to_vec();
        events.push(ev(EventKind::Pause, "2025-02-01", &"长".repeat(TEXT_MAX + 1)));
        assert_eq!(replay(&events).unwrap_err().field, "note");
    }

    #[test]
    fn status_events_not_before_the_latest() {
        let events = [st(Signed, "2025-01-15"), st(Landed, "2025-02-20"), ev(EventKind::Pause, "2025-02-01", "资金")];
        let e = replay(&events).unwrap_err();
        assert_eq!(e.field, "date");
        assert_eq!(e.message, "暂停日期 2025-02-01 早于最近一条记录（落地 2025-02-20）的日期");
        let events = [
            st(Signed, "2025-01-15"),
            ev(EventKind::Pause, "2025-02-01", "资金"),
            ev(EventKind::Resume, "2025-03-01", ""),
            st(Landed, "2025-02-20"),
        ];
        let e = replay(&events).unwrap_err();
        assert_eq!((e.field, e.message.as_str()), ("date", "落地日期 2025-02-20 早于恢复日期 2025-03-01"));
    }

    #[test]
    fn errors_become_field_errors() {
        let e = replay(&[st(Landed, "2025-01-01")]).unwrap_err();
        let inv: Invalid = e.clone().into();
        assert_eq!(inv.message_for("kind"), Some(e.message.as_str()));
        assert_eq!(e.to_string(), e.message);
    }

    #[test]
    fn append_rejects_the_future() {
        let today = d("2025-06-30");
        let e = check_append(&[], &st(Signed, "2025-07-01"), today).unwrap_err();
        assert_eq!(e.field, "date");
        assert_eq!(e.message, "签约日期 2025-07-01 晚于今天（2025-06-30），不能记录尚未发生的事");
        assert!(check_append(&[], &st(Signed, "2025-06-30"), today).is_ok());
    }

    #[test]
    fn append_checks_against_all_stages() {
        let today = d("2025-06-30");
        let existing = [st(Signed, "2025-01-15"), st(Landed, "2025-04-10")];
        let p = check_append(&existing, &st(Started, "2025-05-01"), today).unwrap();
        assert_eq!(p.stage, Some(Started));
        let e = check_append(&existing, &st(Started, "2025-03-01"), today).unwrap_err();
        assert_eq!((e.field, e.message.as_str()), ("date", "开工日期 2025-03-01 早于落地日期 2025-04-10"));
        let e = check_append(&existing, &st(Landed, "2025-05-01"), today).unwrap_err();
        assert_eq!(e.field, "kind");
        assert!(e.message.starts_with("落地已记录（2025-04-10）"), "{e}");
        // a back-dated earlier stage is placed by its date
        let p = check_append(&existing, &st(Negotiating, "2025-01-02"), today).unwrap();
        assert_eq!(p.date_of(Negotiating), Some(d("2025-01-02")));
        assert_eq!(p.stage, Some(Landed));
        let e = check_append(&existing, &st(Negotiating, "2025-02-01"), today).unwrap_err();
        assert_eq!((e.field, e.message.as_str()), ("date", "洽谈日期 2025-02-01 晚于签约日期 2025-01-15"));
        // back-dating 谋划 before 签约 leaves a gap at 洽谈
        let e = check_append(&existing, &st(Planning, "2025-01-01"), today).unwrap_err();
        assert_eq!(e.field, "kind");
        assert!(e.message.starts_with("补记谋划（2025-01-01）后，已有的签约（2025-01-15）记录不再成立"), "{e}");
        assert!(e.message.contains("须先记录洽谈"), "{e}");
    }

    #[test]
    fn append_status_events_go_last() {
        let today = d("2025-06-30");
        let existing = [st(Signed, "2025-01-15"), st(Landed, "2025-04-10")];
        let e = check_append(&existing, &ev(EventKind::Pause, "2025-03-01", "资金"), today).unwrap_err();
        assert_eq!(e.field, "date");
        assert!(e.message.contains("早于最近一条记录（落地 2025-04-10）"), "{e}");
        let paused = [existing[0].clone(), existing[1].clone(), ev(EventKind::Pause, "2025-05-01", "资金")];
        let p = check_append(&existing, &paused[2], today).unwrap();
        assert_eq!(p.status, Status::Paused);
        // a stage that happened before the pause can still be recorded …
        let resumed: Vec<Event> = paused.iter().cloned().chain([ev(EventKind::Resume, "2025-06-01", "")]).collect();
        assert!(check_append(&resumed, &st(Started, "2025-04-20"), today).is_ok());
        // … but not one dated during it
        let e = check_append(&resumed, &st(Started, "2025-05-10"), today).unwrap_err();
        assert!(e.message.starts_with("项目已暂停，请先恢复"), "{e}");
        assert!(check_append(&resumed, &st(Started, "2025-06-01"), today).is_ok());
        let e = check_append(&existing, &ev(EventKind::Resume, "2025-05-01", ""), today).unwrap_err();
        assert_eq!(e.message, "项目没有暂停，无需恢复");
    }

    // ---- properties ----

    fn arb_kind() -> impl Strategy<Value = EventKind> {
        prop_oneof![
            6 => proptest::sample::select(Stage::ALL.to_vec()).prop_map(EventKind::Stage),
            1 => Just(EventKind::Pause),
            1 => Just(EventKind::Resume),
            1 => Just(EventKind::Terminate),
        ]
    }

    /// One step of a history to try.
    #[derive(Debug, Clone, Copy)]
    enum Step {
        /// The stage after the last one generated.
        Next,
        /// 暂停 if the last toggle resumed, else 恢复.
        Toggle,
        /// Any kind at all.
        Any(EventKind),
    }

    /// The first stage (0–2), then steps with a day offset and whether a note is given. Offsets
    /// are cumulative when the history is built sorted.
    type Raw = (usize, Vec<(Step, u32, bool)>);

    fn arb_raw() -> impl Strategy<Value = Raw> {
        let step = prop_oneof![
            12 => Just(Step::Next),
            4 => Just(Step::Toggle),
            3 => arb_kind().prop_map(Step::Any),
        ];
        let offset = prop_oneof![1 => Just(0u32), 3 => 0u32..30];
        (0usize..3, proptest::collection::vec((step, offset, proptest::bool::weighted(0.95)), 0..16))
    }

    fn build((entry, steps): &Raw, sorted: bool) -> Vec<Event> {
        let base = d("2024-01-01");
        let (mut day, mut next, mut paused) = (0u32, *entry, false);
        steps
            .iter()
            .map(|(step, off, note)| {
                day = if sorted { day + off } else { *off * 7 % 61 };
                let kind = match *step {
                    Step::Next => {
                        next += 1;
                        EventKind::Stage(Stage::ALL[(next - 1).min(5)])
                    }
                    Step::Toggle => {
                        paused = !paused;
                        if paused { EventKind::Pause } else { EventKind::Resume }
                    }
                    Step::Any(k) => k,
                };
                Event::new(kind, base + chrono::Days::new(u64::from(day)), note.then(|| "原因".to_string()))
            })
            .collect()
    }

    /// Keeps every candidate that `check_append` accepts, inserted where the caller would put it.
    fn greedy(candidates: &[Event], today: NaiveDate) -> Vec<Event> {
        let mut kept: Vec<Event> = Vec::new();
        for c in candidates {
            if check_append(&kept, c, today).is_ok() {
                let at = insertion_index(&kept, c);
                kept.insert(at, c.clone());
            }
        }
        kept
    }

    fn assert_consistent(events: &[Event], p: &Position) -> Result<(), TestCaseError> {
        let recorded: Vec<(Stage, NaiveDate)> =
            Stage::ALL.into_iter().filter_map(|s| p.date_of(s).map(|d| (s, d))).collect();
        // dates never decrease along the stage path
        prop_assert!(recorded.windows(2).all(|w| w[0].1 <= w[1].1), "{recorded:?}");
        // recorded stages are contiguous, start at an entry point, end at the current stage
        prop_assert!(recorded.windows(2).all(|w| w[0].0.next() == Some(w[1].0)), "{recorded:?}");
        if let Some((first, _)) = recorded.first() {
            prop_assert!(first.is_entry());
        }
        prop_assert_eq!(p.stage, recorded.last().map(|(s, _)| *s));
        // each stage event once, with the date in the position
        for s in Stage::ALL {
            let dates: Vec<NaiveDate> =
                events.iter().filter(|e| e.kind == EventKind::Stage(s)).map(|e| e.date).collect();
            prop_assert!(dates.len() <= 1);
            prop_assert_eq!(dates.first().copied(), p.date_of(s));
        }
        // every prefix is valid too
        for n in 0..events.len() {
            prop_assert!(replay(&events[..n]).is_ok(), "prefix of {} fails", n);
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn accepted_sequences_are_consistent(raw in arb_raw(), sorted in proptest::bool::ANY) {
            let events = build(&raw, sorted);
            if let Ok(p) = replay(&events) {
                assert_consistent(&events, &p)?;
                if let Some((_, rest)) = events.split_last() {
                    prop_assert!(replay(rest).is_ok());
                }
            }
        }

        #[test]
        fn mutated_histories_that_replay_accepts_are_consistent(
            raw in arb_raw(), at in 0usize..16, shift in -40i64..40, mutation in 0u8..3,
        ) {
            let mut events = greedy(&build(&raw, true), d("2024-12-31"));
            if !events.is_empty() {
                let i = at % events.len();
                match mutation {
                    0 => { events.remove(i); }
                    1 => events[i].date += chrono::Duration::days(shift),
                    _ => if i + 1 < events.len() { events.swap(i, i + 1) },
                }
            }
            if let Ok(p) = replay(&events) {
                assert_consistent(&events, &p)?;
                if let Some((_, rest)) = events.split_last() {
                    prop_assert!(replay(rest).is_ok());
                }
            }
        }

        #[test]
        fn greedily_built_histories_are_consistent(raw in arb_raw(), sorted in proptest::bool::ANY) {
            let today = d("2024-12-31");
            let kept = greedy(&build(&raw, sorted), today);
            let p = replay(&kept).unwrap();
            assert_consistent(&kept, &p)?;
            // appending is the same as replaying the longer list
            if let Some((last, rest)) = kept.split_last() {
                prop_assert_eq!(check_append(rest, last, today).unwrap(), p.clone());
                prop_assert!(replay(rest).is_ok());
            }
            // a stage already recorded is always refused
            for s in Stage::ALL.into_iter().filter(|s| p.date_of(*s).is_some()) {
                let e = check_append(&kept, &Event::stage(s, today), today).unwrap_err();
                prop_assert!(e.field == "kind" || p.status == Status::Terminated);
            }
        }

        #[test]
        fn errors_name_a_field(raw in arb_raw(), sorted in proptest::bool::ANY) {
            if let Err(e) = replay(&build(&raw, sorted)) {
                prop_assert!(["kind", "date", "note"].contains(&e.field));
                prop_assert!(!e.message.is_empty());
            }
        }
    }
}
