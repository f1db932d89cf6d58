//! The key-work task list (重点工作任务台账) as a sheet in the usual ledger layout — 序号, 任务名称,
//! 任务来源, 牵头领导, 责任科室, 协办科室, 交办日期, 完成时限, 时间表（节点）, 进展情况, 状态, 是否逾期 —
//! and the import of a task list read by its headers (完成时限 a date or "N个工作日"; the
//! timetable one "2025-09-30 节点" a line; 进展情况, 状态 and 是否逾期 are not read back: imported
//! tasks start 进行中). The store checks each row.

use crate::sheet::{self, CellError, Col, Data, Range};
use crate::table::{Cell, export as export_table};

pub const HEADERS: [&str; 12] = [
    "序号",
    "任务名称",
    "任务来源",
    "牵头领导",
    "责任科室",
    "协办科室",
    "交办日期",
    "完成时限",
    "时间表（节点）",
    "进展情况",
    "状态",
    "是否逾期",
];

/// One task of the sheet, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskRow {
    pub title: String,
    pub source: String,
    pub leader: String,
    pub department: String,
    /// Names joined with 、.
    pub collaborating: String,
    pub assigned_date: String,
    /// A date or "N个工作日".
    pub deadline: String,
    /// One "2025-09-30 节点" a line.
    pub milestones: String,
    /// The latest progress (export only).
    pub progress: String,
    /// 进行中 / 待审核 / 已销号 (export only).
    pub status: String,
    /// "已逾期" or "" (export only).
    pub overdue: String,
}

/// The task list as a workbook titled `title`.
pub fn export(title: &str, rows: &[TaskRow]) -> Result<Vec<u8>, String> {
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                Cell::Int(i as i64 + 1),
                Cell::from(r.title.as_str()),
                Cell::from(r.source.as_str()),
                Cell::from(r.leader.as_str()),
                Cell::from(r.department.as_str()),
                Cell::from(r.collaborating.as_str()),
                Cell::from(r.assigned_date.as_str()),
                Cell::from(r.deadline.as_str()),
                Cell::from(r.milestones.as_str()),
                Cell::from(r.progress.as_str()),
                Cell::from(r.status.as_str()),
                Cell::from(r.overdue.as_str()),
            ]
        })
        .collect();
    export_table("重点工作任务", title, &HEADERS, &cells)
}

/// The rows of an uploaded task list with their sheet row numbers.
pub fn import(bytes: &[u8]) -> Result<Vec<(u32, TaskRow)>, Vec<CellError>> {
    import_grid(&sheet::first_sheet(bytes)?)
}

/// As [`import`], on the cells of the first sheet already read (the mapper alone).
pub fn import_grid(range: &Range<Data>) -> Result<Vec<(u32, TaskRow)>, Vec<CellError>> {
    let cols = [
        Col::required("任务名称").with_aliases(&["工作任务", "任务内容"]),
        Col::required("任务来源").with_aliases(&["来源"]),
        Col::required("牵头领导").with_aliases(&["责任领导", "分管领导"]),
        Col::required("责任科室").with_aliases(&["责任部门", "牵头科室", "牵头部门"]),
        Col::optional("协办科室").with_aliases(&["协办部门", "配合科室", "配合部门"]),
        Col::optional("交办日期").with_aliases(&["下达日期"]),
        Col::required("完成时限").with_aliases(&["完成时间", "时限"]),
        Col::optional("时间表（节点）").with_aliases(&["时间表", "时间节点", "节点"]),
    ];
    let rows = sheet::read_grid(range, &cols, 0)?;
    Ok(rows
        .rows
        .into_iter()
        .map(|(r, c)| {
            let mut c = c.into_iter();
            let mut next = || c.next().unwrap_or_default();
            let row = TaskRow {
                title: next(),
                source: next(),
                leader: next(),
                department: next(),
                collaborating: next(),
                assigned_date: next(),
                deadline: next(),
                milestones: next(),
                ..Default::default()
            };
            (r, row)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> TaskRow {
        TaskRow {
            title: "推动山西瑞恒新材料氯化石蜡项目尽快开工建设".into(),
            source: "调度会".into(),
            leader: "班子成员丁（示例）".into(),
            department: "项目建设部".into(),
            collaborating: "行政审批服务部、规划建设部".into(),
            assigned_date: "2025-07-15".into(),
            deadline: "2025-10-31".into(),
            milestones: "2025-08-15 召开专题调度会\n2025-09-15 办齐开工手续（已完成 2025-09-12）".into(),
            progress: "2025-09-12 报送进展：开工手续已办齐".into(),
            status: "进行中".into(),
            overdue: "已逾期".into(),
        }
    }

    #[test]
    fn export_then_import_gives_back_the_tasks() {
        let bytes = export("重点工作任务台账", &[row(), TaskRow { deadline: "5个工作日".into(), ..row() }]).unwrap();
        let back = import(&bytes).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].0, 3, "title row, header row, then the first task on sheet row 3");
        let want = TaskRow { progress: String::new(), status: String::new(), overdue: String::new(), ..row() };
        assert_eq!(back[0].1, want);
        assert_eq!(back[1].1.deadline, "5个工作日");
    }

    #[test]
    fn a_missing_column_is_named() {
        let bytes = crate::table::export("x", "x", &["任务名称", "任务来源", "牵头领导", "完成时限"], &[]).unwrap();
        let err = import(&bytes).unwrap_err();
        assert_eq!(err[0].reason, "缺少“责任科室”列");
    }
}
