//! The scale data generator behind `kaifaqu demo --scale zone|city|province|national`: many
//! invented zones with their city, departments, dictionaries and users (one can log in), and per
//! zone enterprises (valid 统一社会信用代码), projects with dated stage events that replay under
//! the stage rules, contacts, hazards, tasks and the indicator table — deterministic for a seed
//! (splitmix64), fast (multi-row INSERTs in large transactions on one connection, run by a task
//! while the next batch is written; the bulk tables' secondary indexes dropped for the load and
//! created again after it). Phone numbers are written sealed under the installed keyring, with
//! their blind index, so a later start has nothing to seal.
//!
//! Generated rows are written directly, not through the repositories: they carry no audit
//! records (one audit record notes the generation), no hazard steps, inspections or task steps.
//! Dates are fixed (up to [`END`]) so that the same seed always writes the same rows.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use kaifaqu_domain::credit_code;
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{self, AssertSqlSafe, Sqlite};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, Statement, TransactionTrait};
use sha2::{Digest, Sha256};

use crate::auth::hex;
use crate::db::Engine;
use crate::sensitive::{self, ENTERPRISE_PHONE};
use crate::{Db, StoreError};

/// The last day of generated data (all dates are on or before it).
pub const END: NaiveDate = match NaiveDate::from_ymd_opt(2025, 12, 31) {
    Some(d) => d,
    None => panic!("valid end date"),
};

/// The fixed time stamp of every generated row's created_at / updated_at.
const STAMP: &str = "2025-12-31T08:00:00+00:00";

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub name: &'static str,
    pub zones: usize,
    /// Zones per city (the last city may have fewer).
    pub zones_per_city: usize,
    pub enterprises: usize,
    pub projects: usize,
    pub contacts: usize,
    pub hazards: usize,
    pub tasks: usize,
    pub indicators: usize,
    /// Periods per indicator (YTD months back from 2025-12).
    pub periods: usize,
}

impl Scale {
    pub const ZONE: Scale = Scale {
        name: "zone",
        zones: 1,
        zones_per_city: 1,
        enterprises: 500,
        projects: 1_000,
        contacts: 10_000,
        hazards: 20_000,
        tasks: 2_000,
        indicators: 40,
        periods: 120,
    };
    pub const CITY: Scale = Scale { name: "city", zones: 15, zones_per_city: 15, ..Scale::ZONE };
    pub const PROVINCE: Scale = Scale { name: "province", zones: 100, zones_per_city: 10, ..Scale::ZONE };
    /// The indicator table only, for rankings across 2,543 zones.
    pub const NATIONAL: Scale = Scale {
        name: "national",
        zones: 2_543,
        zones_per_city: 9,
        enterprises: 0,
        projects: 0,
        contacts: 0,
        hazards: 0,
        tasks: 0,
        indicators: 40,
        periods: 120,
    };
    /// Small, for tests (hidden on the command line).
    pub const TINY: Scale = Scale {
        name: "tiny",
        zones: 3,
        zones_per_city: 2,
        enterprises: 20,
        projects: 60,
        contacts: 150,
        hazards: 200,
        tasks: 30,
        indicators: 12,
        periods: 26,
    };

    pub fn parse(s: &str) -> Option<Scale> {
        [Scale::ZONE, Scale::CITY, Scale::PROVINCE, Scale::NATIONAL, Scale::TINY]
            .into_iter()
            .find(|x| x.name == s.trim())
    }
}

/// What a generation wrote.
#[derive(Debug, Clone)]
pub struct ScaleReport {
    pub scale: &'static str,
    pub seed: u64,
    /// Rows per table, in writing order.
    pub rows: Vec<(&'static str, u64)>,
    /// SHA-256 of each table's generated rows (same seed → same digests, on either engine).
    pub digests: BTreeMap<&'static str, String>,
    pub elapsed: Duration,
    /// Example logins: a zone admin, a zone staff member, a city user.
    pub logins: Vec<String>,
}

impl ScaleReport {
    pub fn total(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }

    pub fn rows_per_second(&self) -> u64 {
        let ms = self.elapsed.as_millis().max(1);
        u64::try_from(u128::from(self.total()) * 1000 / ms).unwrap_or(u64::MAX)
    }

    /// One digest over all tables.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        for (t, d) in &self.digests {
            h.update(t.as_bytes());
            h.update(d.as_bytes());
        }
        hex(&h.finalize())
    }
}

/// splitmix64: small, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, n) (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }

    /// Uniform in [lo, hi].
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1).max(1) as u64) as i64
    }

    /// True with probability per_mille / 1000.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    /// Log-uniform in [lo, hi] (lo ≥ 1): many small values, a few large ones.
    pub fn log_uniform(&mut self, lo: i64, hi: i64) -> i64 {
        // integer approximation: pick a decade-ish band, then uniform inside it
        let mut bands = Vec::new();
        let mut a = lo.max(1);
        while a < hi {
            let b = (a * 3).min(hi);
            bands.push((a, b));
            a = b + 1;
        }
        if bands.is_empty() {
            return lo;
        }
        let (a, b) = *self.pick(&bands);
        self.range(a, b)
    }
}

/// A date uniformly in [from, to].
fn date_between(r: &mut Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    from + chrono::Duration::days(r.range(0, span))
}

/// A date in the last `years` years before END, weighted to recent years (half in the last 2).
fn recent_date(r: &mut Rng, years: i64) -> NaiveDate {
    let span = if r.chance(500) { 730 } else { years * 365 };
    END - chrono::Duration::days(r.range(0, span))
}

const CITIES: &[(&str, u32)] = &[
    ("太原市", 1401),
    ("大同市", 1402),
    ("阳泉市", 1403),
    ("长治市", 1404),
    ("晋城市", 1405),
    ("朔州市", 1406),
    ("晋中市", 1407),
    ("运城市", 1408),
    ("忻州市", 1409),
    ("临汾市", 1410),
    ("吕梁市", 1411),
];

/// Province-level codes of GB/T 2260 (for the national scale).
const PROVINCES: &[(&str, u32)] = &[
    ("北京", 11),
    ("天津", 12),
    ("河北", 13),
    ("山西", 14),
    ("内蒙古", 15),
    ("辽宁", 21),
    ("吉林", 22),
    ("黑龙江", 23),
    ("上海", 31),
    ("江苏", 32),
    ("浙江", 33),
    ("安徽", 34),
    ("福建", 35),
    ("江西", 36),
    ("山东", 37),
    ("河南", 41),
    ("湖北", 42),
    ("湖南", 43),
    ("广东", 44),
    ("广西", 45),
    ("海南", 46),
    ("重庆", 50),
    ("四川", 51),
    ("贵州", 52),
    ("云南", 53),
    ("西藏", 54),
    ("陕西", 61),
    ("甘肃", 62),
    ("青海", 63),
    ("宁夏", 64),
    ("新疆", 65),
];

const DEPARTMENTS: &[&str] = &[
    "党政办公室",
    "招商引资部",
    "项目建设部",
    "经济发展部",
    "规划建设部",
    "安全生产监督管理部",
    "生态环境部",
    "行政审批服务部",
    "财政金融部",
];

const CHAINS: &[&str] = &["煤化工", "新材料", "固废综合利用", "PVC 深加工", "新能源", "装备制造"];
const CHANNELS: &[&str] = &["产业链招商", "以商招商", "乡情招商", "小分队招商", "科技招商", "其他"];
const TEAMS: &[&str] = &["第一招商小分队", "第二招商小分队", "第三招商小分队", "第四招商小分队", "第五招商小分队"];
const HAZARD_CATEGORIES: &[&str] = &["安全管理", "设备设施", "作业环境", "消防安全", "危险化学品", "特殊作业"];

const DICTIONARY: &[(&str, &[&str])] = &[
    ("industry_chain", CHAINS),
    ("promotion_channel", CHANNELS),
    ("promotion_team", TEAMS),
    ("hazard_category", HAZARD_CATEGORIES),
];

/// (login suffix, display name, role, department index).
const USERS: &[(&str, &str, &str, usize)] = &[
    ("admin", "管理员", "admin", 0),
    ("leader", "班子成员甲", "leader", 0),
    ("leader2", "班子成员乙", "leader", 0),
    ("leader3", "班子成员丙", "leader", 0),
    ("staff", "招商科员", "staff", 1),
    ("staff2", "项目科员", "staff", 2),
    ("safety", "安监科员甲", "staff", 5),
    ("safety2", "安监科员乙", "staff", 5),
    ("viewer", "只读用户", "viewer", 3),
];

const FIRM_WORDS: &[&str] =
    &["恒通", "晋源", "华泰", "鑫磊", "瑞丰", "中昊", "宏达", "兴业", "天成", "润禾", "金鼎", "长青"];
const FIRM_KINDS: &[(&str, &str, &str)] = &[
    ("焦化", "25", "石油、煤炭及其他燃料加工业"),
    ("化工", "26", "化学原料和化学制品制造业"),
    ("新材料", "30", "非金属矿物制品业"),
    ("机械", "34", "通用设备制造业"),
    ("电力", "44", "电力、热力生产和供应业"),
    ("物流", "59", "装卸搬运和仓储业"),
];
const PROJECT_WORDS: &[&str] =
    &["年产 10 万吨", "年产 30 万吨", "综合利用", "智能制造", "技术改造", "扩建", "光伏发电", "标准化厂房"];
const HAZARD_TEXTS: &[&str] = &[
    "安全培训记录不全",
    "压力表未按期校验",
    "通道堆放杂物",
    "灭火器压力不足",
    "危化品储存未分区分类",
    "动火作业票审批不规范",
    "可燃气体报警器未联动",
    "配电箱未接地",
];
const TASK_WORDS: &[&str] = &["推进", "完成", "落实", "开展", "督促"];
const TASK_OBJECTS: &[&str] =
    &["项目手续办理", "标准地出让", "安全专项整治", "闲置厂房盘活", "统计数据核查", "招商推介活动"];
const TASK_SOURCES: &[&str] =
    &["annual_plan", "provincial_inspection", "city_inspection", "dispatch_meeting", "leader_instruction", "other"];

const EXTRA_INDICATORS: &[&str] = &[
    "高新技术产业产值",
    "战略性新兴产业产值",
    "规上工业营业收入",
    "社会消费品零售总额",
    "一般公共预算收入",
    "新签约项目投资额",
    "到位资金",
    "研究与试验发展经费",
    "工业用电量",
    "工业用水量",
    "新增规上企业数",
    "新增市场主体数",
    "出口总额",
    "进口总额",
    "实际到位省外资金",
    "亿元以上项目投资",
    "基础设施投资",
    "技术改造投资",
    "民间投资",
    "工业品销售产值",
    "数字经济核心产业营业收入",
    "新能源产业产值",
    "煤化工产业产值",
    "新材料产业产值",
    "装备制造产业产值",
    "现代物流业营业收入",
    "高新技术企业数",
    "科技型中小企业数",
    "专利授权量",
    "万元工业增加值能耗",
];

/// Turns generated rows into multi-row INSERT statements, executes them in batches and keeps
/// a digest and count per table.
struct Writer {
    sql: String,
    table: &'static str,
    in_stmt: usize,
    counts: Vec<(&'static str, u64)>,
    hashes: BTreeMap<&'static str, Sha256>,
    row: String,
    /// In the current row, the SQL text the digest sees differently, and how (a sealed phone
    /// number is random ciphertext under the deployment's key: the digest takes the number).
    hash_subst: Option<(String, String)>,
}

const ROWS_PER_STATEMENT: usize = 400;
const FLUSH_BYTES: usize = 2 << 20;

impl Writer {
    fn new() -> Writer {
        Writer {
            sql: String::with_capacity(FLUSH_BYTES + 65_536),
            table: "",
            in_stmt: 0,
            counts: Vec::new(),
            hashes: BTreeMap::new(),
            row: String::new(),
            hash_subst: None,
        }
    }

    /// Starts a row of `table`; values are then appended with the `v*` methods and closed by `end`.
    fn row(&mut self, table: &'static str, cols: &str) -> &mut Self {
        if self.table != table || self.in_stmt >= ROWS_PER_STATEMENT {
            if self.in_stmt > 0 {
                self.sql.push_str(";\n");
            }
            let _ = write!(self.sql, "INSERT INTO {table} ({cols}) VALUES ");
            self.table = table;
            self.in_stmt = 0;
        } else {
            self.sql.push(',');
        }
        self.row.clear();
        self
    }

    fn sep(&mut self) {
        if !self.row.is_empty() {
            self.row.push(',');
        }
    }

    fn i(&mut self, v: i64) -> &mut Self {
        self.sep();
        let _ = write!(self.row, "{v}");
        self
    }

    fn oi(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            Some(v) => self.i(v),
            None => self.null(),
        }
    }

    fn null(&mut self) -> &mut Self {
        self.sep();
        self.row.push_str("NULL");
        self
    }

    fn b(&mut self, v: bool) -> &mut Self {
        self.sep();
        self.row.push_str(if v { "TRUE" } else { "FALSE" });
        self
    }

    fn s(&mut self, v: &str) -> &mut Self {
        self.sep();
        push_quoted(&mut self.row, v);
        self
    }

    fn os(&mut self, v: Option<&str>) -> &mut Self {
        match v {
            Some(v) => self.s(v),
            None => self.null(),
        }
    }

    fn d(&mut self, v: NaiveDate) -> &mut Self {
        self.sep();
        let _ = write!(self.row, "'{v}'");
        self
    }

    fn od(&mut self, v: Option<NaiveDate>) -> &mut Self {
        match v {
            Some(v) => self.d(v),
            None => self.null(),
        }
    }

    fn stamp(&mut self) -> &mut Self {
        self.s(STAMP)
    }

    /// A personal-data value sealed under the installed keyring (what the server will read
    /// with) and its blind index — two columns in the SQL; the digest sees the plain value in one.
    fn sealed(&mut self, col: sensitive::Column, id: i64, plain: &str) -> Result<&mut Self, StoreError> {
        let sealed = sensitive::seal(col, id, plain)?;
        let at = self.row.len();
        self.s(&sealed.stored).os(sealed.bidx.as_deref());
        let mut from = self.row[at..].to_string();
        let mut to = String::with_capacity(plain.len() + 3);
        if from.starts_with(',') {
            from.remove(0);
        }
        push_quoted(&mut to, plain);
        self.hash_subst = Some((from, to));
        Ok(self)
    }

    fn end(&mut self) {
        let table = self.table;
        let _ = write!(self.sql, "({})", self.row);
        self.in_stmt += 1;
        bump(self, table);
    }

    fn full(&self) -> bool {
        self.sql.len() >= FLUSH_BYTES
    }

    async fn flush(&mut self, sink: &mut Sink) -> Result<(), StoreError> {
        if self.in_stmt == 0 && self.sql.is_empty() {
            return Ok(());
        }
        self.sql.push(';');
        let sql = std::mem::replace(&mut self.sql, String::with_capacity(FLUSH_BYTES + 65_536));
        sink.exec(sql).await?;
        self.table = "";
        self.in_stmt = 0;
        Ok(())
    }

    async fn maybe_flush(&mut self, sink: &mut Sink) -> Result<(), StoreError> {
        if self.full() { self.flush(sink).await } else { Ok(()) }
    }
}

/// The connection the statements run on. SQLite: one connection taken from the pool SeaORM holds, with bulk
/// settings (synchronous OFF, foreign-key checks off, a 256 MiB page cache) for the generation
/// only — restored before the connection goes back to the pool; the generator's ids are
/// consistent by construction and the tests run `PRAGMA foreign_key_check`. PostgreSQL: SeaORM
/// transactions.
enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(Option<DatabaseTransaction>),
}

const SQLITE_BULK: &str =
    "PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -262144; PRAGMA threads = 2;";
const SQLITE_RESTORE: &str =
    "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -2000; PRAGMA threads = 0;";

fn db_err(e: sqlx::Error) -> StoreError {
    StoreError::Db(DbErr::Custom(e.to_string()))
}

impl Conn {
    async fn open(db: &Db) -> Result<Conn, StoreError> {
        match db.engine {
            Engine::Sqlite => {
                let mut c = db.conn.get_sqlite_connection_pool().acquire().await.map_err(db_err)?;
                sqlx::raw_sql(AssertSqlSafe(SQLITE_BULK)).execute(&mut *c).await.map_err(db_err)?;
                // no write-ahead log while loading a new database (each page written once, not
                // to the log and then again by the checkpoint); WAL again in `close`. Where
                // another connection prevents the switch, the load runs in WAL mode.
                let mode: Result<String, _> = sqlx::query_scalar("PRAGMA journal_mode = OFF").fetch_one(&mut *c).await;
                tracing::info!(?mode, "journal mode for the load");
                Ok(Conn::Sqlite(c))
            }
            Engine::Postgres => Ok(Conn::Postgres(None)),
        }
    }

    async fn begin(&mut self, db: &Db) -> Result<(), StoreError> {
        match self {
            Conn::Sqlite(c) => {
                sqlx::raw_sql(AssertSqlSafe("BEGIN")).execute(&mut **c).await.map_err(db_err)?;
            }
            Conn::Postgres(t) => {
                let txn = db.conn.begin().await?;
                // nothing to wait for at each commit: a failed generation is started again
                txn.execute_unprepared("SET LOCAL synchronous_commit = off").await?;
                *t = Some(txn);
            }
        }
        Ok(())
    }

    async fn exec(&mut self, sql: String) -> Result<(), StoreError> {
        match self {
            Conn::Sqlite(c) => {
                sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut **c).await.map_err(db_err)?;
            }
            Conn::Postgres(t) => {
                t.as_ref().ok_or(StoreError::Config("no transaction".into()))?.execute_unprepared(&sql).await?;
            }
        }
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), StoreError> {
        match self {
            Conn::Sqlite(c) => {
                sqlx::raw_sql(AssertSqlSafe("COMMIT")).execute(&mut **c).await.map_err(db_err)?;
            }
            Conn::Postgres(t) => {
                if let Some(t) = t.take() {
                    t.commit().await?;
                }
            }
        }
        Ok(())
    }

    /// After a failure: the SQLite connection is closed, not handed back to the pool with the
    /// load's pragmas (journal off, foreign keys off); a PostgreSQL transaction rolls back.
    async fn abandon(self) {
        if let Conn::Sqlite(c) = self {
            let _ = c.close().await;
        }
    }

    async fn close(self) -> Result<(), StoreError> {
        if let Conn::Sqlite(mut c) = self {
            let mode: String =
                sqlx::query_scalar("PRAGMA journal_mode = WAL").fetch_one(&mut *c).await.map_err(db_err)?;
            if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
                return Err(StoreError::Config(format!("无法恢复 WAL 日志模式（{mode}）")));
            }
            sqlx::raw_sql(AssertSqlSafe(SQLITE_RESTORE)).execute(&mut *c).await.map_err(db_err)?;
        }
        Ok(())
    }
}

/// What the generator asks of the connection, in order.
enum Cmd {
    Begin,
    Exec(String),
    Commit,
    /// Answered when everything sent before it has run.
    Sync(tokio::sync::oneshot::Sender<()>),
}

/// Where the statements go: a task owning the [`Conn`] runs them in order while the generator
/// writes the next batch (the two overlap; at most two batches wait in between).
struct Sink {
    tx: Option<tokio::sync::mpsc::Sender<Cmd>>,
    task: Option<tokio::task::JoinHandle<Result<Conn, StoreError>>>,
}

impl Sink {
    async fn open(db: &Db) -> Result<Sink, StoreError> {
        let mut conn = Conn::open(db).await?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Cmd>(2);
        let db = db.clone();
        // a spawned task does not inherit the task-local zones of row-level security: it runs
        // within the caller's (the command line's `*`)
        let zones = crate::rls::current();
        let work = async move {
            while let Some(cmd) = rx.recv().await {
                let done = match cmd {
                    Cmd::Begin => conn.begin(&db).await,
                    Cmd::Exec(sql) => conn.exec(sql).await,
                    Cmd::Commit => conn.commit().await,
                    Cmd::Sync(done) => {
                        let _ = done.send(());
                        Ok(())
                    }
                };
                if let Err(e) = done {
                    conn.abandon().await;
                    return Err(e);
                }
            }
            Ok(conn)
        };
        let task = match zones {
            Some(z) => tokio::spawn(crate::rls::within(z, work)),
            None => tokio::spawn(work),
        };
        Ok(Sink { tx: Some(tx), task: Some(task) })
    }

    async fn send(&mut self, cmd: Cmd) -> Result<(), StoreError> {
        let sent = match &self.tx {
            Some(tx) => tx.send(cmd).await.is_ok(),
            None => false,
        };
        if sent { Ok(()) } else { Err(self.finish().await.err().unwrap_or(StoreError::Config("生成中断".into()))) }
    }

    /// Waits for the task: the connection back, or the error that stopped it.
    async fn finish(&mut self) -> Result<Conn, StoreError> {
        self.tx = None;
        match self.task.take() {
            Some(t) => t.await.map_err(|e| StoreError::Config(format!("生成中断：{e}")))?,
            None => Err(StoreError::Config("生成中断".into())),
        }
    }

    async fn begin(&mut self, _db: &Db) -> Result<(), StoreError> {
        self.send(Cmd::Begin).await
    }

    async fn exec(&mut self, sql: impl Into<String>) -> Result<(), StoreError> {
        self.send(Cmd::Exec(sql.into())).await
    }

    async fn commit(&mut self) -> Result<(), StoreError> {
        self.send(Cmd::Commit).await
    }

    /// Returns once everything sent so far has run.
    async fn sync(&mut self) -> Result<(), StoreError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Cmd::Sync(tx)).await?;
        match rx.await {
            Ok(()) => Ok(()),
            Err(_) => Err(self.finish().await.err().unwrap_or(StoreError::Config("生成中断".into()))),
        }
    }

    async fn close(mut self) -> Result<(), StoreError> {
        self.finish().await?.close().await
    }
}

/// The tables the bulk of the rows go to.
const BULK_TABLES: &str =
    "'enterprises', 'projects', 'project_events', 'contacts', 'hazards', 'tasks', 'indicator_values'";

/// The secondary (non-unique) indexes of the bulk tables, names and definitions: dropped for the
/// load and created again after it. Unique indexes stay, and keep checking.
async fn secondary_indexes(db: &Db) -> Result<Vec<(String, String)>, StoreError> {
    let q = match db.engine {
        Engine::Sqlite => format!(
            "SELECT name AS n, sql AS d FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN ({BULK_TABLES}) ORDER BY name"
        ),
        Engine::Postgres => format!(
            "SELECT ic.relname::text AS n, pg_get_indexdef(i.indexrelid) AS d FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid \
             JOIN pg_namespace s ON s.oid = c.relnamespace \
             WHERE s.nspname = current_schema() AND c.relname IN ({BULK_TABLES}) \
             AND NOT i.indisunique AND NOT i.indisprimary \
             AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1"
        ),
    };
    let found = db.conn.query_all_raw(Statement::from_string(db.backend(), q)).await?;
    let mut out = Vec::with_capacity(found.len());
    for r in found {
        out.push((r.try_get::<String>("", "n")?, r.try_get::<String>("", "d")?));
    }
    Ok(out)
}

/// Id counters (the database is empty, so ids start at 1).
#[derive(Default)]
struct Ids {
    zone: i64,
    department: i64,
    dict: i64,
    user: i64,
    enterprise: i64,
    project: i64,
    event: i64,
    contact: i64,
    hazard: i64,
    task: i64,
    value: i64,
    indicator: i64,
}

fn next(c: &mut i64) -> i64 {
    *c += 1;
    *c
}

/// One indicator of the generated catalog.
struct Ind {
    id: i64,
    january_alone: bool,
    growth_reported: bool,
    flow: bool,
    /// Typical annual value in 1/10,000 of the unit.
    scale: i64,
}

/// The zone's context while its rows are generated.
struct ZoneCtx {
    id: i64,
    region: u32,
    departments: Vec<i64>,
    chains: Vec<i64>,
    channels: Vec<i64>,
    teams: Vec<i64>,
    hazard_categories: Vec<i64>,
    leaders: Vec<i64>,
    staff: Vec<i64>,
    safety: Vec<i64>,
}

/// Generates `scale` into an empty database with `seed`. Every user gets `password`.
pub async fn generate(db: &Db, scale: &Scale, seed: u64, password: &str) -> Result<ScaleReport, StoreError> {
    let mut dropped = Vec::new();
    match load(db, scale, seed, password, &mut dropped).await {
        Ok(report) => Ok(report),
        Err(e) if dropped.is_empty() => Err(e),
        Err(e) => {
            // the zones committed so far stay (a new generation refuses the database), but the
            // indexes the migrations made come back, so the file is never served without them
            for (name, def) in &dropped {
                let sql = def.replacen("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1);
                if let Err(err) = db.conn.execute_unprepared(&sql).await {
                    tracing::error!(index = %name, %err, "index not restored after the failed generation");
                }
            }
            Err(StoreError::Config(format!(
                "规模数据生成失败（{e}）：数据库中只写入了一部分，请删除该数据库后重新生成。"
            )))
        }
    }
}

/// [`generate`]'s work; `dropped` receives the secondary indexes as soon as they are dropped, so
/// a failure after that point can create them again.
async fn load(
    db: &Db,
    scale: &Scale,
    seed: u64,
    password: &str,
    dropped_out: &mut Vec<(String, String)>,
) -> Result<ScaleReport, StoreError> {
    let existing = db
        .conn
        .query_one_raw(Statement::from_string(db.backend(), "SELECT COUNT(*) AS n FROM zones"))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    if existing > 0 {
        return Err(StoreError::Config(format!(
            "数据库中已有 {existing} 个开发区：规模数据只能生成到一个新的空数据库中，请换一个数据库文件。"
        )));
    }
    let started = Instant::now();
    let hash = crate::auth::hash_password(password)?;
    let mut r = Rng::new(seed);
    let mut w = Writer::new();
    let mut ids = Ids::default();

    // the shared indicator catalog
    let mut inds = Vec::new();
    let dropped = secondary_indexes(db).await?;
    dropped_out.clone_from(&dropped);
    let mut sink = Sink::open(db).await?;
    sink.begin(db).await?;
    for (n, _) in &dropped {
        sink.exec(format!("DROP INDEX \"{n}\"")).await?;
    }
    for k in 0..scale.indicators {
        let id = next(&mut ids.indicator);
        let (code, name, unit, flow, jan, growth, decimals) = match crate::indicators::STANDARD.get(k) {
            Some((c, n, u, kind, jan, growth, dec)) => {
                (c.to_string(), n.to_string(), *u, *kind == "flow", *jan, *growth, *dec)
            }
            None => {
                let extra = EXTRA_INDICATORS[(k - crate::indicators::STANDARD.len()) % EXTRA_INDICATORS.len()];
                let count = extra.ends_with("数") || extra.ends_with("量");
                (
                    format!("gen_{:02}", k + 1),
                    extra.to_string(),
                    if count { "个" } else { "亿元" },
                    !extra.ends_with("企业数"),
                    k % 3 == 0,
                    true,
                    if count { 0 } else { 2 },
                )
            }
        };
        let scale_v = if unit == "亿元" { r.log_uniform(5, 300) * 10_000 } else { r.log_uniform(20, 2_000) * 10_000 };
        inds.push(Ind { id, january_alone: jan, growth_reported: growth, flow, scale: scale_v });
        w.row(
            "indicators",
            "id, code, name, unit, kind, january_alone, growth_reported, decimals, sort_order, active, created_at",
        )
        .i(id)
        .s(&code)
        .s(&name)
        .s(unit)
        .s(if flow { "flow" } else { "stock" })
        .b(jan)
        .b(growth)
        .i(i64::from(decimals))
        .i((k as i64 + 1) * 10)
        .b(true)
        .stamp()
        .end();
    }
    w.flush(&mut sink).await?;
    sink.commit().await?;

    let mut logins = Vec::new();
    let mut cities_done: Vec<String> = Vec::new();
    let zones_per_txn = if scale.projects == 0 { 20 } else { 1 };
    sink.begin(db).await?;
    for zi in 0..scale.zones {
        let city_index = zi / scale.zones_per_city.max(1);
        let (city_name, city_code) = city_of(scale, city_index);
        let zone_id = next(&mut ids.zone);
        let county = (zi % scale.zones_per_city.max(1)) as u32 + 1;
        let region = city_code * 100 + county.min(99);
        // numbered across the whole set: names are unique even where cities repeat
        let name = format!("{city_name}示例开发区{:02}", zi + 1);
        let national = r.chance(150);
        let grade = [None, Some("A"), Some("B"), Some("C"), Some("D")][r.below(5) as usize];
        w.row(
            "zones",
            "id, name, level, region_code, city_code, city_name, risk_grade, staff_posts, is_demo, created_at",
        )
        .i(zone_id)
        .s(&name)
        .s(if national { "national" } else { "provincial" })
        .s(&format!("{region:06}"))
        .s(&format!("{:06}", city_code * 100))
        .s(&city_name)
        .os(grade)
        .i(r.range(15, 80))
        .b(true)
        .stamp()
        .end();
        let mut z = ZoneCtx {
            id: zone_id,
            region,
            departments: Vec::new(),
            chains: Vec::new(),
            channels: Vec::new(),
            teams: Vec::new(),
            hazard_categories: Vec::new(),
            leaders: Vec::new(),
            staff: Vec::new(),
            safety: Vec::new(),
        };
        for (i, d) in DEPARTMENTS.iter().enumerate() {
            let id = next(&mut ids.department);
            z.departments.push(id);
            w.row("departments", "id, zone_id, name, sort_order, active, created_at")
                .i(id)
                .i(zone_id)
                .s(d)
                .i((i as i64 + 1) * 10)
                .b(true)
                .stamp()
                .end();
        }
        for (kind, values) in DICTIONARY {
            for (i, v) in values.iter().enumerate() {
                let id = next(&mut ids.dict);
                match *kind {
                    "industry_chain" => z.chains.push(id),
                    "promotion_channel" => z.channels.push(id),
                    "promotion_team" => z.teams.push(id),
                    _ => z.hazard_categories.push(id),
                }
                w.row("dictionary_items", "id, zone_id, kind, value, sort_order, active, created_at")
                    .i(id)
                    .i(zone_id)
                    .s(kind)
                    .s(v)
                    .i((i as i64 + 1) * 10)
                    .b(true)
                    .stamp()
                    .end();
            }
        }
        for (suffix, display, role, dept) in USERS {
            let id = next(&mut ids.user);
            let login = format!("z{zone_id:04}_{suffix}");
            match *role {
                "leader" | "admin" => z.leaders.push(id),
                "staff" if suffix.starts_with("safety") => z.safety.push(id),
                "staff" => z.staff.push(id),
                _ => {}
            }
            if zi == 0 && (*suffix == "admin" || *suffix == "staff") {
                logins.push(login.clone());
            }
            user_row(&mut w, id, &login, display, role, Some(zone_id), None, Some(z.departments[*dept]), &hash);
        }
        let city_code_s = format!("{:06}", city_code * 100);
        if !cities_done.contains(&city_code_s) {
            let id = next(&mut ids.user);
            let login = format!("c{city_code_s}_city");
            if cities_done.is_empty() {
                logins.push(login.clone());
            }
            user_row(
                &mut w,
                id,
                &login,
                &format!("{city_name}市级用户"),
                "city",
                None,
                Some(&city_code_s),
                None,
                &hash,
            );
            cities_done.push(city_code_s);
        }
        let t = &mut sink;
        let enterprises = gen_enterprises(&mut w, &mut r, &mut ids, &z, scale, t).await?;
        let projects = gen_projects(&mut w, &mut r, &mut ids, &z, scale, &enterprises, t).await?;
        gen_contacts(&mut w, &mut r, &mut ids, &z, scale, &projects, t).await?;
        gen_hazards(&mut w, &mut r, &mut ids, &z, scale, &enterprises, t).await?;
        gen_tasks(&mut w, &mut r, &mut ids, &z, scale, t).await?;
        gen_values(&mut w, &mut r, &mut ids, &z, scale, &inds, t).await?;
        if (zi + 1) % zones_per_txn == 0 && zi + 1 < scale.zones {
            w.flush(&mut sink).await?;
            sink.commit().await?;
            sink.begin(db).await?;
        }
    }
    w.flush(&mut sink).await?;
    sink.commit().await?;
    sink.sync().await?;
    // the secondary indexes, built once from the loaded rows (a sort each) instead of updated
    // row by row
    let loaded = started.elapsed();
    sink.begin(db).await?;
    for (_, def) in &dropped {
        sink.exec(def).await?;
    }
    sink.commit().await?;
    sink.sync().await?;
    tracing::info!(
        load_ms = loaded.as_millis() as u64,
        index_ms = (started.elapsed() - loaded).as_millis() as u64,
        indexes = dropped.len(),
        "scale data loaded"
    );
    sink.close().await?;
    finish(db, &ids, scale, seed).await?;
    let digests = std::mem::take(&mut w.hashes).into_iter().map(|(t, h)| (t, hex(&h.finalize()))).collect();
    Ok(ScaleReport { scale: scale.name, seed, rows: w.counts.clone(), digests, elapsed: started.elapsed(), logins })
}

fn city_of(scale: &Scale, index: usize) -> (String, u32) {
    if scale.name == "national" {
        let (p, code) = PROVINCES[index % PROVINCES.len()];
        let n = index / PROVINCES.len() + 1;
        (format!("{p}示例市{n:02}"), code * 100 + n as u32)
    } else {
        // the city scale is 长治市 (the seed's city)
        let i = if scale.name == "city" { 3 } else { index % CITIES.len() };
        let (name, code) = CITIES[i];
        (name.to_string(), code)
    }
}

#[allow(clippy::too_many_arguments)]
fn user_row(
    w: &mut Writer,
    id: i64,
    login: &str,
    display: &str,
    role: &str,
    zone_id: Option<i64>,
    city_code: Option<&str>,
    department: Option<i64>,
    hash: &str,
) {
    w.row(
        "users",
        "id, login_name, display_name, role, zone_id, city_code, department_id, password_hash, must_change_password, active, is_demo, created_at, updated_at",
    )
    .i(id)
    .s(login)
    .s(display)
    .s(role)
    .oi(zone_id)
    .os(city_code)
    .oi(department)
    .s(hash)
    .b(false)
    .b(true)
    .b(true)
    .stamp()
    .stamp();
    // the password hash is salted at random: keep it out of the digest
    let row = std::mem::take(&mut w.row);
    let without_hash = row.replace(hash, "");
    w.row = without_hash;
    let table = w.table;
    let _ = write!(w.sql, "({row})");
    w.in_stmt += 1;
    bump(w, table);
}

fn bump(w: &mut Writer, table: &'static str) {
    if let Some((_, n)) = w.counts.iter_mut().find(|(t, _)| *t == table) {
        *n += 1;
    } else {
        w.counts.push((table, 1));
    }
    let h = w.hashes.entry(table).or_default();
    match w.hash_subst.take() {
        Some((from, to)) => h.update(w.row.replacen(&from, &to, 1).as_bytes()),
        None => h.update(w.row.as_bytes()),
    }
    h.update(b"\n");
}

/// `v` as an SQL string literal.
fn push_quoted(out: &mut String, v: &str) {
    out.push('\'');
    for c in v.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
}

const CREDIT_DIGITS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A valid 统一社会信用代码 for the n-th enterprise of a zone in `region`.
pub fn credit_code_for(region: u32, zone_id: i64, n: usize) -> String {
    let mut serial = (zone_id as u64) * 1_000_000 + n as u64;
    let mut tail = [b'0'; 7];
    for c in tail.iter_mut().rev() {
        *c = CREDIT_DIGITS[(serial % 31) as usize];
        serial /= 31;
    }
    let base = format!("91{region:06}MA{}", std::str::from_utf8(&tail).unwrap_or("0000000"));
    let check = credit_code::check_char(&base).unwrap_or('0');
    format!("{base}{check}")
}

async fn gen_enterprises(
    w: &mut Writer,
    r: &mut Rng,
    ids: &mut Ids,
    z: &ZoneCtx,
    scale: &Scale,
    t: &mut Sink,
) -> Result<Vec<i64>, StoreError> {
    let mut out = Vec::with_capacity(scale.enterprises);
    for n in 0..scale.enterprises {
        let id = next(&mut ids.enterprise);
        out.push(id);
        let (kind, code, industry) = *r.pick(FIRM_KINDS);
        let name =
            format!("山西{}{}{}有限公司{}", r.pick(FIRM_WORDS), kind, ["科技", "实业", "集团", ""][n % 4], n + 1);
        w.row(
            "enterprises",
            "id, zone_id, name, credit_code, credit_code_legacy, region_code, industry_code, industry_name, above_scale, contact_person, contact_phone, contact_phone_bidx, address, created_at, updated_at",
        )
        .i(id)
        .i(z.id)
        .s(&name)
        .s(&credit_code_for(z.region, z.id, n))
        .b(false)
        .s(&format!("{:06}", z.region))
        .s(code)
        .s(industry)
        .b(r.chance(400))
        .s(&format!("联系人{}", n % 97 + 1))
        .sealed(ENTERPRISE_PHONE, id, &format!("1{:010}", 3_500_000_000 + r.below(999_999_999)))?
        .s("园区大道")
        .stamp()
        .stamp()
        .end();
        w.maybe_flush(t).await?;
    }
    Ok(out)
}

async fn gen_projects(
    w: &mut Writer,
    r: &mut Rng,
    ids: &mut Ids,
    z: &ZoneCtx,
    scale: &Scale,
    enterprises: &[i64],
    t: &mut Sink,
) -> Result<Vec<i64>, StoreError> {
    let mut out = Vec::with_capacity(scale.projects);
    let mut events = Vec::new();
    for n in 0..scale.projects {
        let id = next(&mut ids.project);
        out.push(id);
        let plan_year = if r.chance(500) { r.range(2024, 2025) } else { r.range(2016, 2025) } as i32;
        // the path: an entry stage, then each later stage dated after the one before
        let entry = [0usize, 0, 0, 0, 1, 1, 2][r.below(7) as usize];
        let last = (entry + r.below(6 - entry as u64) as usize).min(5);
        let mut date = date_between(
            r,
            NaiveDate::from_ymd_opt(plan_year, 1, 1).unwrap_or(END),
            NaiveDate::from_ymd_opt(plan_year, 12, 31).unwrap_or(END),
        )
        .min(END);
        let mut reached = Vec::new();
        for s in entry..=last {
            if s > entry {
                let nd = date + chrono::Duration::days(r.range(15, 240));
                if nd > END {
                    break;
                }
                date = nd;
            }
            reached.push((s, date));
        }
        let (stage, stage_date) = *reached.last().expect("at least the entry stage");
        let status = if r.chance(50) {
            "paused"
        } else if r.chance(30) {
            "terminated"
        } else {
            "active"
        };
        let status_date = (status != "active").then(|| (stage_date + chrono::Duration::days(r.range(1, 90))).min(END));
        let total = r.log_uniform(500, 500_000);
        let chain = *r.pick(&z.chains);
        let word = *r.pick(PROJECT_WORDS);
        let chain_name = CHAINS[z.chains.iter().position(|c| *c == chain).unwrap_or(0)];
        let enterprise = (!enterprises.is_empty() && r.chance(700)).then(|| *r.pick(enterprises));
        let category = if r.chance(800) { "industrial" } else { "infrastructure" };
        w.row(
            "projects",
            "id, zone_id, name, enterprise_id, investor_name, content, category, chain_id, total_wan, planned_wan, key_level, channel_id, team_id, leader_id, department_id, site, land_mu100, plan_year, start_year, end_year, project_code, progress, stage, stage_date, status, version, created_at, updated_at",
        )
        .i(id)
        .i(z.id)
        .s(&format!("{chain_name}{word}项目（{}）", n + 1))
        .oi(enterprise)
        .os(if enterprise.is_none() { Some("意向投资方") } else { None })
        .s("建设生产线及配套设施")
        .s(category)
        .i(chain)
        .i(total)
        .oi(r.chance(600).then(|| total / r.range(2, 5)))
        .s(["", "", "", "", "county", "city", "provincial"][r.below(7) as usize])
        .i(*r.pick(&z.channels))
        .i(*r.pick(&z.teams))
        .i(*r.pick(&z.leaders))
        .i(*r.pick(&z.departments))
        .s("园区")
        .oi(r.chance(600).then(|| r.range(1_000, 50_000)))
        .i(i64::from(plan_year))
        .oi((stage >= 4).then(|| i64::from(reached[reached.len() - 1].1.year())))
        .null()
        .null()
        .s("按计划推进")
        .s(kaifaqu_domain::stage::Stage::ALL[stage].code())
        .d(stage_date)
        .s(status)
        .i(1)
        .stamp()
        .s(&format!("{}T08:00:00+00:00", status_date.unwrap_or(stage_date)))
        .end();
        for (s, d) in reached {
            events.push((id, kaifaqu_domain::stage::Stage::ALL[s].code(), d, None));
        }
        if let Some(d) = status_date {
            let kind = if status == "paused" { "pause" } else { "terminate" };
            events.push((
                id,
                kind,
                d,
                Some(if status == "paused" { "资金未到位，暂缓实施" } else { "投资方战略调整" }),
            ));
        }
        w.maybe_flush(t).await?;
    }
    for (project, kind, date, note) in events {
        let id = next(&mut ids.event);
        w.row("project_events", "id, zone_id, project_id, kind, event_date, note, recorded_by, created_at")
            .i(id)
            .i(z.id)
            .i(project)
            .s(kind)
            .d(date)
            .os(note)
            .null()
            .stamp()
            .end();
        w.maybe_flush(t).await?;
    }
    Ok(out)
}

async fn gen_contacts(
    w: &mut Writer,
    r: &mut Rng,
    ids: &mut Ids,
    z: &ZoneCtx,
    scale: &Scale,
    projects: &[i64],
    t: &mut Sink,
) -> Result<(), StoreError> {
    const FORMS: &[&str] = &["visit", "visit", "reception", "reception", "video", "fair", "other"];
    for n in 0..scale.contacts {
        let id = next(&mut ids.contact);
        let date = recent_date(r, 8);
        let project = (!projects.is_empty() && r.chance(600)).then(|| *r.pick(projects));
        let next_date = r.chance(500).then(|| (date + chrono::Duration::days(r.range(7, 60))).min(END));
        w.row(
            "contacts",
            "id, zone_id, contact_date, project_id, lead_name, team_id, form, place, participants, summary, next_step, next_date, created_by, created_at, updated_at",
        )
        .i(id)
        .i(z.id)
        .d(date)
        .oi(project)
        .os(if project.is_none() { Some("意向企业") } else { None })
        .i(*r.pick(&z.teams))
        .s(r.pick::<&str>(FORMS))
        .s(["太原", "北京", "上海", "深圳", "园区"][n % 5])
        .s("招商小分队")
        .s("介绍园区产业定位与要素保障，对方有投资意向")
        .os(next_date.map(|_| "安排实地考察"))
        .od(next_date)
        .i(*r.pick(&z.staff))
        .stamp()
        .stamp()
        .end();
        w.maybe_flush(t).await?;
    }
    Ok(())
}

async fn gen_hazards(
    w: &mut Writer,
    r: &mut Rng,
    ids: &mut Ids,
    z: &ZoneCtx,
    scale: &Scale,
    enterprises: &[i64],
    t: &mut Sink,
) -> Result<(), StoreError> {
    if enterprises.is_empty() {
        return Ok(());
    }
    for _ in 0..scale.hazards {
        let id = next(&mut ids.hazard);
        let found = recent_date(r, 6);
        let found_by = *r.pick(&z.safety);
        let fixer = *z.safety.iter().find(|u| **u != found_by).unwrap_or(&z.staff[0]);
        let original = found + chrono::Duration::days(r.range(3, 45));
        let extended = r.chance(80);
        let deadline = if extended { original + chrono::Duration::days(r.range(7, 30)) } else { original };
        let age = (END - found).num_days();
        let status = if age > 120 {
            if r.chance(985) { "closed" } else { "rectifying" }
        } else {
            ["pending", "rectifying", "reviewing", "closed", "closed"][r.below(5) as usize]
        };
        let closed =
            (status == "closed").then(|| date_between(r, found, deadline + chrono::Duration::days(5)).min(END));
        let major = r.chance(30);
        let cat_i = r.below(z.hazard_categories.len() as u64) as usize;
        w.row(
            "hazards",
            "id, zone_id, enterprise_id, inspection_id, description, location, category_id, level, found_date, found_by, deadline, original_deadline, responsible_person, measures, plan_responsibility, plan_measures, plan_funds, plan_deadline, plan_contingency, supervisor, status, fixer_id, closed_date, created_at, updated_at",
        )
        .i(id)
        .i(z.id)
        .i(*r.pick(enterprises))
        .null()
        .s(r.pick::<&str>(HAZARD_TEXTS))
        .s(["生产车间", "仓库", "罐区", "配电室", "办公区"][r.below(5) as usize])
        .i(z.hazard_categories[cat_i])
        .s(if major { "major" } else { "general" })
        .d(found)
        .i(found_by)
        .d(deadline)
        .d(original)
        .s("企业安全负责人")
        .s("立即整改")
        .os(major.then_some("企业主要负责人"))
        .os(major.then_some("停产整改，更换设备"))
        .os(major.then_some("50 万元"))
        .od(major.then_some(deadline))
        .os(major.then_some("设置警戒区，专人值守"))
        .os(major.then_some("县应急管理局"))
        .s(status)
        .oi(matches!(status, "reviewing" | "closed").then_some(fixer))
        .od(closed)
        .stamp()
        .stamp()
        .end();
        w.maybe_flush(t).await?;
    }
    Ok(())
}

async fn gen_tasks(
    w: &mut Writer,
    r: &mut Rng,
    ids: &mut Ids,
    z: &ZoneCtx,
    scale: &Scale,
    t: &mut Sink,
) -> Result<(), StoreError> {
    for n in 0..scale.tasks {
        let id = next(&mut ids.task);
        let assigned = recent_date(r, 5);
        let deadline = assigned + chrono::Duration::days(r.range(15, 180));
        let status = if deadline < END - chrono::Duration::days(30) {
            if r.chance(920) { "closed" } else { "in_progress" }
        } else {
            ["in_progress", "in_progress", "submitted", "closed"][r.below(4) as usize]
        };
        let closed = (status == "closed").then(|| date_between(r, assigned, deadline).min(END));
        w.row(
            "tasks",
            "id, zone_id, title, source, source_note, lead_leader_id, department_id, assigned_date, deadline, deadline_working_days, evidence, status, closed_date, created_by, created_at, updated_at, version",
        )
        .i(id)
        .i(z.id)
        .s(&format!("{}{}（{}）", r.pick(TASK_WORDS), r.pick(TASK_OBJECTS), n + 1))
        .s(r.pick::<&str>(TASK_SOURCES))
        .s("")
        .i(*r.pick(&z.leaders))
        .i(*r.pick(&z.departments))
        .d(assigned)
        .d(deadline)
        .null()
        .s("")
        .s(status)
        .od(closed)
        .i(z.leaders[0])
        .stamp()
        .stamp()
        .i(1)
        .end();
        w.maybe_flush(t).await?;
    }
    Ok(())
}

/// The last `n` periods of an indicator back from 2025-12 (1月 only where it is published alone).
pub fn periods_back(n: usize, january_alone: bool) -> Vec<(i32, u32)> {
    let mut out = Vec::with_capacity(n);
    let (mut y, mut m) = (END.year(), 12u32);
    while out.len() < n {
        if m != 1 || january_alone {
            out.push((y, m));
        }
        if m == 1 {
            y -= 1;
            m = 12;
        } else {
            m -= 1;
        }
    }
    out.reverse();
    out
}

async fn gen_values(
    w: &mut Writer,
    r: &mut Rng,
    ids: &mut Ids,
    z: &ZoneCtx,
    scale: &Scale,
    inds: &[Ind],
    t: &mut Sink,
) -> Result<(), StoreError> {
    let size = r.range(20, 300); // the zone's size relative to a typical zone, in percent
    for ind in inds {
        let periods = periods_back(scale.periods, ind.january_alone);
        let mut annual = ind.scale * size / 100;
        let mut year = 0;
        // month-own shares of the year in per mille, drawn once per indicator and zone
        let mut shares = [0i64; 12];
        for s in shares.iter_mut() {
            *s = r.range(60, 110);
        }
        let share_total: i64 = shares.iter().sum();
        let mut last_year: BTreeMap<u32, i64> = BTreeMap::new();
        let mut this_year: BTreeMap<u32, i64> = BTreeMap::new();
        for (y, m) in periods {
            if y != year {
                if year != 0 {
                    annual = annual * (1000 + r.range(-60, 160)) / 1000;
                    last_year = std::mem::take(&mut this_year);
                }
                year = y;
            }
            let value = if ind.flow {
                let upto: i64 = shares[..m as usize].iter().sum();
                (annual * upto / share_total).max(1)
            } else {
                annual * (950 + r.range(0, 100)) / 1000
            };
            this_year.insert(m, value);
            let growth = match last_year.get(&m) {
                Some(prev) if *prev > 0 => Some((value - prev) * 10_000 / prev),
                _ => Some(r.range(-500, 2_000)),
            };
            let id = next(&mut ids.value);
            let flash = y == END.year() && m + 2 >= 12;
            w.row(
                "indicator_values",
                "id, zone_id, indicator_id, year, month, is_estimate, value, growth, base_value, source, entered_by, entered_at",
            )
            .i(id)
            .i(z.id)
            .i(ind.id)
            .i(i64::from(y))
            .i(i64::from(m))
            .b(false)
            .i(value)
            .oi(if ind.growth_reported { growth } else { None })
            .null()
            .s(if flash { "flash" } else { "official" })
            .null()
            .stamp()
            .end();
            w.maybe_flush(t).await?;
        }
    }
    Ok(())
}

/// After generation: PostgreSQL identity sequences past the explicit ids, one audit record, and
/// fresh planner statistics.
async fn finish(db: &Db, ids: &Ids, scale: &Scale, seed: u64) -> Result<(), StoreError> {
    let tables = [
        ("zones", ids.zone),
        ("departments", ids.department),
        ("dictionary_items", ids.dict),
        ("users", ids.user),
        ("enterprises", ids.enterprise),
        ("projects", ids.project),
        ("project_events", ids.event),
        ("contacts", ids.contact),
        ("hazards", ids.hazard),
        ("tasks", ids.task),
        ("indicator_values", ids.value),
        ("indicators", ids.indicator),
    ];
    if db.engine == Engine::Postgres {
        for (t, max) in tables {
            if max > 0 {
                db.conn
                    .execute_unprepared(&format!("SELECT setval(pg_get_serial_sequence('{t}', 'id'), {max})"))
                    .await?;
            }
        }
    }
    let summary = format!("生成规模数据 {}（种子 {seed}）", scale.name);
    // through the one audit path, so the record is on the (system) hash chain
    crate::audit::append(
        &db.conn,
        &crate::Actor::system("演示数据"),
        crate::audit::Change {
            zone_id: None,
            entity: "zone",
            entity_id: None,
            action: kaifaqu_domain::audit::Action::Create,
            summary,
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
        },
    )
    .await?;
    // planner statistics from a sample (fast at any size)
    if db.engine == Engine::Sqlite {
        db.conn.execute_unprepared("PRAGMA analysis_limit = 1000; ANALYZE").await?;
    } else {
        db.conn.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic_and_in_range() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..1000 {
            let x = a.range(3, 9);
            assert_eq!(x, b.range(3, 9));
            assert!((3..=9).contains(&x));
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }

    #[test]
    fn credit_codes_are_valid_and_distinct() {
        let a = credit_code_for(140423, 1, 0);
        let b = credit_code_for(140423, 1, 1);
        assert_ne!(a, b);
        for c in [a, b, credit_code_for(650100, 2543, 499)] {
            assert!(credit_code::CreditCode::parse(&c).is_ok(), "{c}");
        }
    }

    #[test]
    fn periods_skip_january_unless_alone() {
        let p = periods_back(120, true);
        assert_eq!(p.len(), 120);
        assert_eq!(p[0], (2016, 1));
        assert_eq!(*p.last().unwrap(), (2025, 12));
        let q = periods_back(120, false);
        assert!(q.iter().all(|(_, m)| *m != 1));
        assert_eq!(q.len(), 120);
    }

    #[test]
    fn scales_parse() {
        assert_eq!(Scale::parse("province").unwrap().zones, 100);
        assert_eq!(Scale::parse("national").unwrap().zones, 2_543);
        assert!(Scale::parse("galaxy").is_none());
    }
}
