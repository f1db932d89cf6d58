//! Hostile spreadsheets (issue 10): each file of the corpus is handed to the planning-table
//! import — the same function the upload page calls — in a child process of its own, which
//! reports its peak memory (VmHWM) and time. Every file must be refused with a clear Chinese
//! message and the child must stay under 100 MiB; the times are printed, not asserted.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WB_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_TAIL: &str = "</sheetData></worksheet>";

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated).compression_level(Some(6))
}

/// A workbook with the usual parts; `extra` writes whatever the fixture needs.
fn workbook(path: &Path, sheet: Option<&str>, extra: impl FnOnce(&mut ZipWriter<std::fs::File>)) {
    let mut z = ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, body) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WB_RELS),
    ] {
        z.start_file(name, deflated()).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    if let Some(s) = sheet {
        z.start_file("xl/worksheets/sheet1.xml", deflated()).unwrap();
        z.write_all(s.as_bytes()).unwrap();
    }
    extra(&mut z);
    z.finish().unwrap();
}

/// Streams `total` bytes of a repeated chunk into the current entry.
fn repeat(z: &mut ZipWriter<std::fs::File>, head: &str, chunk: &[u8], total: usize, tail: &str) {
    z.write_all(head.as_bytes()).unwrap();
    let mut written = 0;
    while written < total {
        z.write_all(chunk).unwrap();
        written += chunk.len();
    }
    z.write_all(tail.as_bytes()).unwrap();
}

/// Rewrites every size field of the zip (local headers and central directory) to `claim`.
fn lie_about_sizes(path: &Path, claim: u32) {
    let mut b = std::fs::read(path).unwrap();
    let mut i = 0;
    while i + 46 <= b.len() {
        if b[i..i + 4] == [b'P', b'K', 3, 4] {
            b[i + 22..i + 26].copy_from_slice(&claim.to_le_bytes());
            i += 30;
        } else if b[i..i + 4] == [b'P', b'K', 1, 2] {
            b[i + 24..i + 28].copy_from_slice(&claim.to_le_bytes());
            i += 46;
        } else {
            i += 1;
        }
    }
    std::fs::write(path, b).unwrap();
}

fn corpus(dir: &Path) -> Vec<(&'static str, PathBuf, &'static str)> {
    let mut out = Vec::new();
    let mut add = |name: &'static str, expect: &'static str| {
        let p = dir.join(format!("fixture{}.xlsx", out.len()));
        out.push((name, p.clone(), expect));
        p
    };

    let p = add("decompression bomb (1 GiB sheet)", "压缩炸弹");
    workbook(&p, None, |z| {
        z.start_file("xl/worksheets/sheet1.xml", deflated()).unwrap();
        repeat(z, SHEET_HEAD, &[b' '; 64 * 1024], 1 << 30, SHEET_TAIL);
    });

    let p = add("100,000 zip entries", "部件");
    workbook(&p, Some(&format!("{SHEET_HEAD}{SHEET_TAIL}")), |z| {
        for i in 0..100_000 {
            z.start_file(format!("xl/media/x{i}.bin"), SimpleFileOptions::default()).unwrap();
        }
    });

    let p = add("sizes that lie (64 MiB claimed as 1 KiB)", "");
    workbook(&p, None, |z| {
        z.start_file("xl/worksheets/sheet1.xml", deflated()).unwrap();
        repeat(z, SHEET_HEAD, &[b' '; 64 * 1024], 64 << 20, SHEET_TAIL);
    });
    lie_about_sizes(&p, 1024);

    let p = add("a sheet spanning A1:XFD1048576", "单元格的上限");
    workbook(
        &p,
        Some(&format!(
            r#"{SHEET_HEAD}<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>{SHEET_TAIL}"#
        )),
        |_| {},
    );

    let p = add("a dimension claiming A1:XFD1048576", "单元格的上限");
    workbook(
        &p,
        Some(&format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row>{SHEET_TAIL}"#
        )),
        |_| {},
    );

    let p = add("10 million shared strings", "共享字符串");
    workbook(&p, Some(&format!("{SHEET_HEAD}{SHEET_TAIL}")), |z| {
        z.start_file("xl/sharedStrings.xml", deflated()).unwrap();
        let head = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="10000000" uniqueCount="10000000">"#;
        repeat(z, head, "<si><t>项</t></si>".repeat(1000).as_bytes(), 10_000_000 * 19, "</sst>");
    });

    let p = add("10 million shared strings, counts left out", "共享字符串");
    workbook(&p, Some(&format!("{SHEET_HEAD}{SHEET_TAIL}")), |z| {
        z.start_file("xl/sharedStrings.xml", deflated()).unwrap();
        let head = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;
        let mut chunk = String::new();
        for i in 0..1000 {
            chunk.push_str(&format!("<si><t>{i:07}</t></si>"));
        }
        repeat(z, head, chunk.as_bytes(), 10_000_000 * 22, "</sst>");
    });

    let p = add("path traversal entry ../../x", "可疑的路径");
    workbook(&p, Some(&format!("{SHEET_HEAD}{SHEET_TAIL}")), |z| {
        z.start_file("../../x", SimpleFileOptions::default()).unwrap();
        z.write_all(b"x").unwrap();
    });

    let p = add("external entity (XXE) in sharedStrings.xml", "DOCTYPE");
    workbook(&p, Some(&format!("{SHEET_HEAD}{SHEET_TAIL}")), |z| {
        z.start_file("xl/sharedStrings.xml", deflated()).unwrap();
        z.write_all(br#"<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/hostname">]><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&x;</t></si></sst>"#).unwrap();
    });

    let p = add("billion laughs in the worksheet", "DOCTYPE");
    let mut laughs = String::from(r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#);
    for i in 1..10 {
        let prev = if i == 1 { "lol".to_string() } else { format!("lol{}", i - 1) };
        laughs.push_str(&format!("<!ENTITY lol{i} \"{}\">", format!("&{prev};").repeat(10)));
    }
    laughs.push_str(r#"]><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"#);
    workbook(&p, Some(&laughs), |_| {});

    let p = add("macro workbook (.xlsm renamed)", "含宏");
    workbook(&p, Some(&format!("{SHEET_HEAD}{SHEET_TAIL}")), |z| {
        z.start_file("xl/vbaProject.bin", SimpleFileOptions::default()).unwrap();
        z.write_all(&[0xD0, 0xCF, 0x11, 0xE0]).unwrap();
    });

    let p = add("an executable renamed .xlsx", "可执行程序");
    std::fs::copy(std::env::current_exe().unwrap(), &p).unwrap();

    let p = add("a truncated workbook", "损坏");
    workbook(&p, Some(&format!("{SHEET_HEAD}{SHEET_TAIL}")), |_| {});
    let b = std::fs::read(&p).unwrap();
    std::fs::write(&p, &b[..b.len() / 2]).unwrap();

    out
}

fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The child: imports one file and reports `peak_kib|millis|message`.
#[test]
fn child_imports_one_file() {
    let Ok(path) = std::env::var("KAIFAQU_HOSTILE_FILE") else {
        return;
    };
    let bytes = std::fs::read(&path).unwrap();
    let start = Instant::now();
    let result = kaifaqu_reports::plan_table::import(&bytes);
    let ms = start.elapsed().as_millis();
    let message = match result {
        Ok(rows) => format!("ACCEPTED {} rows", rows.len()),
        Err(errors) => errors.iter().map(|e| e.reason.clone()).collect::<Vec<_>>().join("；"),
    };
    println!("HOSTILE|{}|{ms}|{message}", peak_kib());
}

#[test]
fn every_hostile_workbook_is_refused_within_bounds() {
    let dir = std::env::temp_dir().join(format!("kfq-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = corpus(&dir);
    let mut refused = 0;
    for (name, path, expect) in &files {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_imports_one_file", "--nocapture", "--test-threads=1"])
            .env("KAIFAQU_HOSTILE_FILE", path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout.lines().find_map(|l| l.split_once("HOSTILE|").map(|(_, r)| r)).unwrap_or_else(|| {
            panic!("{name}: the child printed no result\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr))
        });
        let mut parts = line.splitn(3, '|');
        let kib: u64 = parts.next().unwrap().parse().unwrap();
        let ms: u64 = parts.next().unwrap().parse().unwrap();
        let message = parts.next().unwrap();
        let size = std::fs::metadata(path).unwrap().len();
        println!(
            "{name}: {size} bytes → refused in {ms} ms, peak {}.{} MiB: {message}",
            kib / 1024,
            kib % 1024 * 10 / 1024
        );
        assert!(!message.starts_with("ACCEPTED"), "{name} was accepted: {message}");
        assert!(message.contains(expect), "{name}: expected “{expect}” in “{message}”");
        assert!(!message.is_empty());
        assert!(kib < 100 * 1024, "{name}: peak memory {kib} KiB ≥ 100 MiB");
        refused += 1;
    }
    println!("hostile workbooks: {refused} of {} refused, each under 100 MiB peak", files.len());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn user_text_is_exported_as_text_never_as_a_formula() {
    use kaifaqu_reports::table::{Cell, export};
    use std::io::Read;
    let payloads =
        ["=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", "\t=cmd|' /C calc'!A0", "\r=1", "=HYPERLINK(\"http://x\")"];
    let rows: Vec<Vec<Cell>> = payloads.iter().map(|p| vec![Cell::from(*p)]).collect();
    let bytes = export("名单", "导出", &["企业名称"], &rows).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut sheet).unwrap();
    assert!(!sheet.contains("<f>") && !sheet.contains("<f "), "a formula element: {sheet}");
    let mut strings = String::new();
    zip.by_name("xl/sharedStrings.xml").unwrap().read_to_string(&mut strings).unwrap();
    for p in ["=1+1", "+SUM(A1:A2)", "@SUM(A1)"] {
        assert!(strings.contains(p), "{p} kept as text");
    }
    println!("formula injection: {} payloads exported, 0 formula cells", payloads.len());
}
