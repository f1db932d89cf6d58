//! The formats of the request bodies' text fields, declared in the OpenAPI document (issue 10,
//! H1): the store's forms take every field as text (as the pages' forms send it), so without
//! this the document says "any string" where the handler wants a date, an id, a code of a closed
//! list, a 统一社会信用代码, a year or an amount, and a fuzzer's data is refused before it reaches
//! the rules behind it.
//!
//! Each rule takes at least what the field's parser accepts, and as little more as a pattern can
//! say: the parsers trim the text first (Rust's `char::is_whitespace`), so the patterns allow the
//! same white space around the value, and an optional field also takes blank text. Codes are
//! listed with their Chinese labels, which `parse` also reads. Amounts (亿元, 万元, 亩) take
//! separators and units as the parsers do, so a pattern is a superset there ("1.2.3" passes the
//! pattern and gets the handler's 422). What no schema can say (a check
//! character, an id that must exist in the zone, a date not in the future, one field required by
//! another) stays a 422 naming the field.

use kaifaqu_domain::validate::{NAME_MAX, TEXT_MAX};
use kaifaqu_domain::{approval, land, project, safety, stage, task};
use serde_json::{Value, json};

/// Rust's white space (`char::is_whitespace`, what `str::trim` removes) as a regex class body.
const WS: &str = r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

type Options = fn() -> Vec<(&'static str, &'static str)>;

/// What a text field holds.
#[derive(Clone, Copy)]
enum F {
    /// A date, YYYY-MM-DD (required).
    Date,
    /// A date, or blank (none, or today where the field says so).
    OptDate,
    /// One of the codes or labels.
    Code(Options),
    /// One of the codes or labels, or blank (the default).
    OptCode(Options),
    /// Blank or the id of a record (which must exist in the zone).
    Id,
    /// A year 2000–2099 (a trailing 年 allowed).
    Year,
    /// Blank or a year.
    OptYear,
    /// Non-blank text of at most N characters (after trimming).
    Text(usize),
    /// Text of at most N characters (after trimming), blank allowed.
    OptText(usize),
    /// An amount in 亿元, at most 4 decimals (required).
    Yi,
    /// Blank or an amount in 亿元.
    OptYi,
    /// An area in 亩, at most 2 decimals (required).
    Mu,
    /// Blank or an area in 亩.
    OptMu,
    /// An id as a number, or as text (blank or digits), or null.
    IdOrNumber,
    /// A number, or any text (the handler reads it), or null.
    NumberOrText,
    /// Ids as numbers or texts: a list, or one of them alone, or null.
    Ids,
    /// A period YYYY-MM (or YYYY-M).
    Period,
    /// A 统一社会信用代码: 18 characters of its alphabet (spaces, lower case and full-width
    /// forms are normalised; the check character is checked by the handler).
    CreditCode,
}

fn event_kinds() -> Vec<(&'static str, &'static str)> {
    stage::EventKind::ALL.iter().map(|k| (k.code(), k.label())).collect()
}

fn day_kinds() -> Vec<(&'static str, &'static str)> {
    vec![("holiday", "放假"), ("workday", "调休上班"), ("休息", "节假日"), ("上班", "补班")]
}

/// The text fields of the request bodies, by component schema.
fn rules() -> Vec<(&'static str, &'static str, F)> {
    use F::*;
    let n = Text(NAME_MAX);
    let on = OptText(NAME_MAX);
    let ot = OptText(TEXT_MAX);
    vec![
        // 项目
        ("ProjectForm", "name", n),
        ("ProjectForm", "enterprise_id", Id),
        ("ProjectForm", "investor_name", on),
        ("ProjectForm", "content", ot),
        ("ProjectForm", "category", Code(project::Category::options)),
        ("ProjectForm", "chain_id", Id),
        ("ProjectForm", "channel_id", Id),
        ("ProjectForm", "team_id", Id),
        ("ProjectForm", "leader_id", Id),
        ("ProjectForm", "department_id", Id),
        ("ProjectForm", "total", Yi),
        ("ProjectForm", "planned", OptYi),
        ("ProjectForm", "key_level", Code(project::KeyLevel::options)),
        ("ProjectForm", "site", on),
        ("ProjectForm", "land", OptMu),
        ("ProjectForm", "plan_year", Year),
        ("ProjectForm", "start_year", OptYear),
        ("ProjectForm", "end_year", OptYear),
        ("ProjectForm", "progress", ot),
        ("EventForm", "kind", Code(event_kinds)),
        ("EventForm", "date", Date),
        ("EventForm", "note", ot),
        // 对接、问题、会议
        ("ContactFormInput", "date", Date),
        ("ContactFormInput", "project_id", Id),
        ("ContactFormInput", "lead_name", on),
        ("ContactFormInput", "team_id", Id),
        ("ContactFormInput", "form", Code(project::ContactForm::options)),
        ("ContactFormInput", "place", on),
        ("ContactFormInput", "participants", ot),
        ("ContactFormInput", "summary", Text(TEXT_MAX)),
        ("ContactFormInput", "next_step", ot),
        ("ContactFormInput", "next_date", OptDate),
        ("ProblemForm", "project_id", Id),
        ("ProblemForm", "category", Code(project::ProblemCategory::options)),
        ("ProblemForm", "description", Text(TEXT_MAX)),
        ("ProblemForm", "raised_date", Date),
        ("ProblemForm", "department_id", Id),
        ("ProblemForm", "person", on),
        ("ProblemForm", "deadline", OptDate),
        ("ProblemForm", "status", OptCode(project::ProblemStatus::options)),
        ("ProblemForm", "reason", ot),
        ("ProblemForm", "resolution", ot),
        ("ProblemForm", "resolved_date", OptDate),
        ("MeetingForm", "date", Date),
        ("MeetingForm", "title", n),
        ("MeetingForm", "chair_id", Id),
        ("MeetingForm", "attendees", ot),
        ("MeetingForm", "minutes", ot),
        // (the other fields are read for one `action` only, and ignored otherwise)
        ("DecisionForm", "decision", Text(TEXT_MAX)),
        ("DecisionForm", "project_id", Id),
        // 企业
        ("EnterpriseForm", "name", n),
        ("EnterpriseForm", "credit_code", CreditCode),
        ("EnterpriseForm", "contact_person", on),
        ("EnterpriseForm", "address", on),
        // 安全生产
        ("HazardForm", "enterprise_id", Id),
        ("HazardForm", "inspection_id", Id),
        ("HazardForm", "description", Text(TEXT_MAX)),
        ("HazardForm", "location", on),
        ("HazardForm", "category_id", Id),
        ("HazardForm", "level", Code(safety::HazardLevel::options)),
        ("HazardForm", "found_date", Date),
        ("HazardForm", "deadline", Date),
        ("HazardForm", "responsible_person", on),
        ("HazardForm", "measures", ot),
        ("HazardForm", "plan_deadline", OptDate),
        ("HazardForm", "supervisor", on),
        ("HazardStepForm", "action", Code(safety::HazardAction::options)),
        ("HazardStepForm", "date", OptDate),
        ("HazardStepForm", "note", ot),
        ("InspectionForm", "enterprise_id", Id),
        ("InspectionForm", "date", Date),
        ("InspectionForm", "kind", Code(safety::InspectionType::options)),
        ("InspectionForm", "experts", on),
        ("InspectionForm", "findings", ot),
        // 审批服务
        ("CaseForm", "project_id", Id),
        ("CaseForm", "power_id", Id),
        ("CaseForm", "enterprise_id", Id),
        ("CaseForm", "applicant", on),
        ("CaseForm", "agent_id", Id),
        ("CaseForm", "leader_id", Id),
        ("CaseForm", "received_date", Date),
        ("CaseForm", "accepted_date", OptDate),
        ("CaseForm", "approved_date", OptDate),
        ("CaseForm", "notes", ot),
        ("ApprovalStepForm", "action", Code(approval::CaseAction::options)),
        ("ApprovalStepForm", "date", OptDate),
        ("ApprovalStepForm", "note", ot),
        ("CommitmentForm", "content", Text(TEXT_MAX)),
        ("CommitmentForm", "deadline", Date),
        ("VerifyForm", "result", Code(approval::CommitmentStatus::options)),
        ("VerifyForm", "date", OptDate),
        ("VerifyForm", "note", ot),
        ("PowerForm", "name", n),
        ("PowerForm", "category", Code(approval::PowerCategory::options)),
        // 土地
        ("ParcelForm", "code", n),
        ("ParcelForm", "location", on),
        ("ParcelForm", "environment", ot),
        ("ParcelForm", "status", Code(land::ParcelStatus::options)),
        ("ParcelForm", "transfer_date", OptDate),
        ("ParcelForm", "achieved_year", OptYear),
        ("ParcelForm", "notes", ot),
        ("PlantForm", "name", n),
        ("PlantForm", "location", on),
        ("PlantForm", "owner", on),
        ("PlantForm", "condition", ot),
        ("PlantForm", "status", Code(land::PlantStatus::options)),
        ("PlantForm", "revitalised_date", OptDate),
        ("PlantForm", "notes", ot),
        // 亩均、目标、任务、日历
        ("RecordForm", "year", Year),
        ("RecordForm", "land_mu", Mu),
        ("RecordForm", "production_year", OptYear),
        ("RecordForm", "exempt_reason", on),
        ("TargetForm", "name", n),
        ("TargetForm", "year", Year),
        ("TargetForm", "leader_id", Id),
        ("TargetForm", "department_id", Id),
        ("TargetForm", "notes", ot),
        ("TaskForm", "title", n),
        ("TaskForm", "source", Code(task::TaskSource::options)),
        ("TaskForm", "source_note", on),
        ("TaskForm", "assigned_date", OptDate),
        ("TaskForm", "evidence", ot),
        ("TaskForm", "lead_leader_id", IdOrNumber),
        ("TaskForm", "department_id", IdOrNumber),
        ("TaskForm", "deadline_days", NumberOrText),
        ("TaskForm", "collaborating_ids", Ids),
        ("MilestoneForm", "title", n),
        ("MilestoneForm", "due_date", Date),
        ("MilestoneForm", "done_date", OptDate),
        ("TaskStepForm", "action", Code(task::TaskAction::options)),
        ("TaskStepForm", "date", OptDate),
        ("TaskStepForm", "note", ot),
        ("DayForm", "date", Date),
        ("DayForm", "kind", Code(day_kinds)),
        ("DayForm", "name", OptText(NAME_MAX)),
        ("ValuesInput", "period", Period),
    ]
}

/// The text query parameters, by path prefix and name, where they are plain strings that the
/// handler refuses when malformed (the projects' `year` filter, which ignores a bad value, is not
/// one of them).
fn query_rules() -> Vec<(&'static str, &'static str, F)> {
    use F::*;
    vec![
        ("/api/v1/", "period", Period),
        ("/api/v1/", "from", OptDate),
        ("/api/v1/", "to", OptDate),
        ("/api/v1/hazards", "due_by", OptDate),
        ("/api/v1/hazards", "closed_by", OptDate),
        ("/api/v1/targets", "as_of", OptDate),
        ("/api/v1/targets", "year", OptYear),
    ]
}

/// `^W*(…)W*$`: the value with the white space the parser trims.
fn padded(body: &str) -> String {
    format!("^[{WS}]*{body}[{WS}]*$")
}

/// Text whose trimmed form has 1..=max characters (`required`) or 0..=max.
fn text_pattern(max: usize, required: bool) -> String {
    let nw = format!("[^{WS}]");
    let core = if max <= 1 { nw.clone() } else { format!("{nw}([\\s\\S]{{0,{}}}{nw})?", max - 2) };
    let core = if required { core } else { format!("({core})?") };
    padded(&core)
}

/// A closed list: each code and its Chinese label (`parse` reads both, after trimming), as a
/// padded alternation rather than an `enum`, which would refuse `" open "` that the handler takes.
fn codes(options: Options, blank: bool) -> Value {
    let mut values: Vec<&str> = Vec::new();
    for (code, label) in options() {
        for v in [code, label] {
            if !values.contains(&v) {
                values.push(v);
            }
        }
    }
    let alternation = values.iter().map(|v| regex_escape(v)).collect::<Vec<_>>().join("|");
    let body = if blank { format!("({alternation})?") } else { format!("({alternation})") };
    let listed = options().iter().map(|(c, l)| format!("{c}（{l}）")).collect::<Vec<_>>().join("、");
    json!({
        "type": "string",
        "pattern": padded(&body),
        "example": values.first().copied().unwrap_or(""),
        "description": format!("取值（代码或名称均可）：{listed}"),
    })
}

/// `value` as a literal in a pattern.
fn regex_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn pattern(p: String, example: &str) -> Value {
    json!({"type": "string", "pattern": p, "example": example})
}

/// YYYY-MM-DD; chrono also reads a month or day of one digit.
const DATE: &str = "[0-9]{4}-(0?[1-9]|1[0-2])-(0?[1-9]|[12][0-9]|3[01])";
const YEAR: &str = "20[0-9]{2}年*";
/// 亿元 as `Wan::parse_yi` reads it: digits with thousands separators and spaces, a decimal
/// point, a unit (亿元, 亿, or 万元/万 for a whole number of 万元). A superset: the handler still
/// refuses "1.2.3" or a fifth decimal with a message naming the field.
const YI: &str = r"([0-9,，. ]*[0-9][0-9,，. ]*(亿元|亿|万元|万)?)";
/// 亩 as `Mu100::parse` reads it: the same, with an optional 亩.
const MU: &str = r"([0-9,，. ]*[0-9][0-9,，. ]*亩?)";

/// The JSON Schema of a field.
fn schema(f: F) -> Value {
    match f {
        // a pattern rather than `format: date`: the handler trims the text first (the pattern
        // has no calendar check: 2025-02-30 is refused by the handler as an invalid date)
        F::Date => pattern(padded(DATE), "2025-05-28"),
        F::OptDate => pattern(padded(&format!("({DATE})?")), "2025-05-28"),
        F::Code(o) => codes(o, false),
        F::OptCode(o) => codes(o, true),
        F::Id => pattern(padded("([0-9]{1,18})?"), ""),
        F::Year => pattern(padded(YEAR), "2025"),
        F::OptYear => pattern(padded(&format!("({YEAR})?")), "2025"),
        F::Text(max) => json!({"type": "string", "pattern": text_pattern(max, true), "example": "接口测试"}),
        F::OptText(max) => json!({"type": "string", "pattern": text_pattern(max, false)}),
        F::Yi => pattern(padded(YI), "0.95"),
        F::OptYi => pattern(padded(&format!("{YI}?")), "0.95"),
        F::Mu => pattern(padded(MU), "220.41"),
        F::OptMu => pattern(padded(&format!("{MU}?")), "220.41"),
        F::IdOrNumber => json!({"anyOf": [
            {"type": "integer", "format": "int64"},
            schema(F::Id),
            {"type": "null"}
        ]}),
        F::NumberOrText => json!({"type": ["integer", "string", "null"]}),
        F::Ids => json!({"type": ["array", "integer", "string", "null"], "items": {"type": ["integer", "string"]}}),
        F::Period => pattern(padded("[0-9]{1,9}-(0?[1-9]|1[0-2])"), "2025-05"),
        F::CreditCode => {
            let c = "[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy\u{ff10}-\u{ff19}\u{ff21}-\u{ff28}\u{ff2a}-\u{ff2e}\u{ff30}-\u{ff32}\u{ff34}\u{ff35}\u{ff37}-\u{ff39}\u{ff41}-\u{ff48}\u{ff4a}-\u{ff4e}\u{ff50}-\u{ff52}\u{ff54}\u{ff55}\u{ff57}-\u{ff59}]";
            pattern(format!("^([{WS}]*{c}){{18}}[{WS}]*$"), "91350100M000100Y43")
        }
    }
}

/// Declares the rules' formats in `components.schemas` and in the text query parameters (a
/// field's description is kept).
pub fn apply(doc: &mut Value) {
    apply_query(doc);
    let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { return };
    for (name, field, f) in rules() {
        let Some(prop) = schemas.get_mut(name).and_then(|s| s.pointer_mut(&format!("/properties/{field}"))) else {
            continue;
        };
        let Some(prop) = prop.as_object_mut() else { continue };
        if let Value::Object(declared) = schema(f) {
            for k in ["format", "type", "items"] {
                prop.remove(k);
            }
            prop.extend(declared);
        }
    }
    for s in schemas.values_mut() {
        // `version` read with `de_version`: a number or a text (a form's hidden field); on a
        // create it is not read at all, so any number or text is taken
        if let Some(Value::Object(v)) = s.pointer_mut("/properties/version")
            && v.get("type") == Some(&json!(["integer", "null"]))
        {
            v.remove("format");
            v.insert("type".into(), json!(["integer", "string", "null"]));
        }
    }
    // answers: `FieldChange.before/after` are any JSON value (text, number, null, …), declared
    // as objects (`value_type = Object` on a `serde_json::Value`)
    if let Some(Value::Object(props)) = schemas.get_mut("FieldChange").and_then(|s| s.pointer_mut("/properties")) {
        for side in ["before", "after"] {
            if let Some(Value::Object(p)) = props.get_mut(side)
                && p.get("type") == Some(&json!("object"))
            {
                p.remove("type");
            }
        }
    }
    // answers: `OverviewRow.pace` is an `Option` declared as a bare object (the store's type
    // says `value_type = Object`): it is null for an indicator without a target
    if let Some(Value::Object(pace)) = schemas.get_mut("OverviewRow").and_then(|s| s.pointer_mut("/properties/pace"))
        && pace.get("type") == Some(&json!("object"))
    {
        pace.insert("type".into(), json!(["object", "null"]));
    }
}

fn apply_query(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for op in item.values_mut() {
            let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else { continue };
            for p in params.iter_mut().filter(|p| p["in"] == "query") {
                let rule = query_rules().into_iter().find(|(at, n, _)| path.starts_with(at) && p["name"] == *n);
                let Some((_, _, f)) = rule else { continue };
                let plain = p["schema"]["type"] == "string" && p["schema"].get("format").is_none();
                if plain && let Some(Value::Object(declared)) = Some(schema(f)) {
                    p["schema"] = Value::Object(declared);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, s: &str) -> bool {
        regex::Regex::new(pattern).unwrap().is_match(s)
    }

    #[test]
    fn every_rule_names_a_field_of_the_served_document() {
        let doc = crate::api::openapi_json();
        for (name, field, _) in rules() {
            let prop = doc.pointer(&format!("/components/schemas/{name}/properties/{field}"));
            assert!(prop.is_some(), "{name}.{field} is not in the document");
        }
    }

    #[test]
    fn the_patterns_take_what_the_parsers_take() {
        let get = |f: F| schema(f)["pattern"].as_str().unwrap().to_string();
        let text = text_pattern(3, true);
        for ok in ["a", " 项目 ", "abc", "\u{3000}a b\u{3000}"] {
            assert!(matches(&text, ok), "{ok:?}");
        }
        for bad in ["", "   ", "abcd", " abcd "] {
            assert!(!matches(&text, bad), "{bad:?}");
        }
        assert!(matches(&text_pattern(3, false), "  "));
        let id = get(F::Id);
        assert!(matches(&id, "") && matches(&id, " 12 ") && !matches(&id, "x1") && !matches(&id, "1 2"));
        let date = get(F::OptDate);
        assert!(matches(&date, "") && matches(&date, "2025-05-28") && !matches(&date, "2025-13-01"));
        for s in ["2025-05-28", "2025-5-8"] {
            assert!(matches(&date, s) && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(), "{s}");
        }
        let year = get(F::Year);
        assert!(matches(&year, "2025") && matches(&year, " 2025年") && !matches(&year, "1999") && !matches(&year, ""));
        let yi = get(F::Yi);
        assert!(matches(&yi, "0.95") && matches(&yi, ".5") && matches(&yi, "12.34560") && !matches(&yi, "-1"));
        let period = get(F::Period);
        assert!(matches(&period, "2025-05") && matches(&period, " 2025-5 ") && !matches(&period, "2025-13"));
        for s in ["2025-05", " 2025-5 ", "2025-12"] {
            assert!(kaifaqu_domain::indicator::Period::parse(s).is_ok(), "{s}");
        }
        let code = get(F::CreditCode);
        assert!(matches(&code, "91350100M000100Y43") && matches(&code, " 9135 0100m000100y43 "));
        assert!(!matches(&code, "91350100M000100Y4") && !matches(&code, "91350100M000100I43"));
        // what a pattern takes is what the parser takes (the check character aside)
        for s in ["0.95", ".5", "12.34560", "3", "2.6亿元", "9500万元", "1,234.5", " 4.48 亿 ", "9500 万"] {
            assert!(kaifaqu_domain::money::Wan::parse_yi(s).is_ok(), "{s}");
            assert!(matches(&yi, s), "{s}");
        }
        let mu = get(F::Mu);
        for s in ["220.41", ".5", "12", "1.500", "1,234.5", "220亩", " 220.41 亩"] {
            assert!(kaifaqu_domain::money::Mu100::parse(s).is_ok(), "{s}");
            assert!(matches(&mu, s), "{s}");
        }
        assert!(!matches(&mu, "-1") && !matches(&mu, "亩") && !matches(&mu, "abc"));
        assert_eq!(kaifaqu_domain::credit_code::normalize(" 9135 0100m000100y43 "), "91350100M000100Y43");
    }

    #[test]
    fn codes_list_codes_and_labels() {
        let v = schema(F::OptCode(project::ProblemStatus::options));
        let p = v["pattern"].as_str().unwrap();
        for ok in ["", "open", "待办", " open ", "\u{3000}待办"] {
            assert!(matches(p, ok), "{ok:?}");
        }
        for bad in ["opened", "x", "open open"] {
            assert!(!matches(p, bad), "{bad:?}");
        }
        let required = schema(F::Code(project::ProblemStatus::options));
        assert!(!matches(required["pattern"].as_str().unwrap(), ""));
        for (code, label) in project::ProblemStatus::options() {
            assert_eq!(project::ProblemStatus::parse(code).map(|s| s.label()), Some(label));
        }
    }
}
