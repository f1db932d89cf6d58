//! The gate every uploaded spreadsheet passes before calamine sees it (issue 10, "hostile files";
//! ASVS v5.0.0-5.2.3, 1.5.1). calamine trusts its input: it inflates whole parts, pre-sizes
//! vectors from the counts a file declares and builds a dense cell range from the first to the
//! last cell. So the gate reads the package itself, streaming, with bounds:
//!
//! - what the bytes are: a zip (xlsx, ods) or an OLE2 compound file (xls); executables, PDFs and
//!   anything else are refused by name;
//! - at most [`MAX_ENTRIES`] zip entries, none with a path that climbs out (`..`, `/x`, `C:`),
//!   no macro project (`vbaProject.bin`);
//! - real decompressed bytes counted (never the sizes the zip claims): at most [`MAX_TOTAL`] in
//!   all, and a part that inflates more than [`MAX_RATIO`] times its compressed size past the
//!   first MiB is a decompression bomb;
//! - every XML part read with a streaming parser: no DOCTYPE (entity expansion, external entities);
//!   worksheets' cell references bound the dense range calamine would build to [`MAX_CELLS`]
//!   (`A1` plus `XFD1048576` is 17 billion cells); the shared-string table's declared and real
//!   size to [`MAX_SHARED_STRINGS`]; ODS repeated rows and columns likewise.
//!
//! Memory stays flat (one 64 KiB buffer per part), whatever the file claims.

use std::io::{BufReader, Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Zip entries in one workbook (a real one has a few dozen).
pub const MAX_ENTRIES: usize = 2_000;
/// Decompressed bytes of all parts together.
pub const MAX_TOTAL: u64 = 512 * 1024 * 1024;
/// Inflation ratio beyond which a part (past its first MiB) is a decompression bomb (Apache
/// POI's default, `MIN_INFLATE_RATIO` 0.01).
pub const MAX_RATIO: u64 = 100;
/// Cells of the dense range of one sheet (rows × columns from A1 to the last cell).
pub const MAX_CELLS: u64 = 4_000_000;
/// Entries of the shared-string table.
pub const MAX_SHARED_STRINGS: u64 = 1_000_000;

/// Why a file was refused, in words for the person who uploaded it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn refuse<T>(msg: impl Into<String>) -> Result<T, Refused> {
    Err(Refused(msg.into()))
}

/// Checks an uploaded spreadsheet; `Ok` means calamine may open it.
pub fn check(bytes: &[u8]) -> Result<(), Refused> {
    match bytes {
        [] => refuse("文件是空的"),
        [b'P', b'K', 3, 4, ..] => check_zip(bytes),
        [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, ..] => Ok(()),
        [b'M', b'Z', ..] => refuse("这是 Windows 可执行程序，不是 Excel 表格：请上传 .xlsx、.xls 或 .ods 文件"),
        [0x7F, b'E', b'L', b'F', ..] => refuse("这是可执行程序，不是 Excel 表格：请上传 .xlsx、.xls 或 .ods 文件"),
        [b'%', b'P', b'D', b'F', ..] => refuse("这是 PDF 文件，不是 Excel 表格：请上传 .xlsx、.xls 或 .ods 文件"),
        [b'P', b'K', ..] => refuse("无法读取：文件不是完整的 Excel 表格（压缩包已损坏或被截断）"),
        _ => refuse("无法读取：文件不是 Excel 表格，请上传 .xlsx、.xls 或 .ods 文件（CSV 请先用 Excel 另存为 .xlsx）"),
    }
}

fn check_zip(bytes: &[u8]) -> Result<(), Refused> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| Refused("无法读取：文件不是完整的 Excel 表格（压缩包已损坏或被截断）".into()))?;
    if zip.len() > MAX_ENTRIES {
        return refuse(format!("文件内含 {} 个部件，超过 {MAX_ENTRIES} 个的上限，不像是正常的表格，已拒收", zip.len()));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|_| Refused("无法读取：文件中有损坏的部件".into()))?;
        let name = match entry.name() {
            Ok(n) => n.into_owned(),
            Err(_) => String::from_utf8_lossy(entry.name_raw()).into_owned(),
        };
        if name.contains("..") || name.starts_with('/') || name.contains('\\') || name.contains(':') {
            return refuse(format!("文件内有可疑的路径“{}”，已拒收", clip(&name)));
        }
        if name.to_ascii_lowercase().ends_with("vbaproject.bin") {
            return refuse("这是含宏的工作簿（.xlsm），为安全起见不接收：请另存为 .xlsx 后上传");
        }
        if entry.is_dir() {
            continue;
        }
        let compressed = entry.compressed_size();
        let kind = Part::of(&name);
        let mut counted = Counted { inner: entry, read: 0, compressed, name: name.clone(), budget: MAX_TOTAL - total };
        match kind {
            Part::Other => {
                std::io::copy(&mut counted, &mut std::io::sink()).map_err(io_refused)?;
            }
            xml => scan_xml(&mut counted, xml, &name)?,
        }
        total += counted.read;
    }
    Ok(())
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

fn io_refused(e: std::io::Error) -> Refused {
    let inner = e.get_ref();
    let own = inner.and_then(|r| r.downcast_ref::<Refused>()).or_else(|| {
        inner
            .and_then(|r| r.downcast_ref::<IoCause>())
            .and_then(|c| c.0.get_ref())
            .and_then(|r| r.downcast_ref::<Refused>())
    });
    own.cloned().unwrap_or_else(|| Refused("无法读取：文件中有损坏的部件".into()))
}

/// A zip entry's reader that counts real decompressed bytes and stops a bomb.
struct Counted<R> {
    inner: R,
    read: u64,
    compressed: u64,
    name: String,
    budget: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        let bomb = self.read > 1024 * 1024 && self.read / self.compressed.max(1) > MAX_RATIO;
        if bomb || self.read > self.budget {
            let why = if bomb {
                format!("文件中的“{}”解压后膨胀到压缩前的 {} 倍以上，是“压缩炸弹”，已拒收", clip(&self.name), MAX_RATIO)
            } else {
                format!("文件解压后超过 {} MiB 的上限，已拒收：请分成几个文件上传", MAX_TOTAL / 1024 / 1024)
            };
            return Err(std::io::Error::other(Refused(why)));
        }
        Ok(n)
    }
}

/// An I/O error shared by the XML reader, unwrapped to find a [`Refused`] inside.
#[derive(Debug)]
struct IoCause(std::sync::Arc<std::io::Error>);

impl std::fmt::Display for IoCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for IoCause {}

/// Longest text run passed on to the XML parser (the checks read tags, not text).
const TEXT_RUN: usize = 4096;
/// Longest tag (with its attributes) a worksheet may have.
const TAG_MAX: usize = 1024 * 1024;

/// Drops text beyond [`TEXT_RUN`] bytes between tags, so the XML parser — which gathers a text
/// run whole — never holds a gigabyte of spaces; refuses a tag longer than [`TAG_MAX`].
struct Squash<R> {
    inner: R,
    in_tag: bool,
    run: usize,
    name: String,
}

impl<R: Read> Read for Squash<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.inner.read(out)?;
            if n == 0 {
                return Ok(0);
            }
            // compact in place: what is kept moves to the front
            let mut kept = 0;
            for i in 0..n {
                let b = out[i];
                let keep = if self.in_tag {
                    if b == b'>' {
                        self.in_tag = false;
                        self.run = 0;
                    } else {
                        self.run += 1;
                        if self.run > TAG_MAX {
                            return Err(std::io::Error::other(Refused(format!(
                                "文件中的“{}”有超长的标签，不像是正常的表格，已拒收",
                                clip(&self.name)
                            ))));
                        }
                    }
                    true
                } else if b == b'<' {
                    self.in_tag = true;
                    self.run = 0;
                    true
                } else {
                    self.run += 1;
                    self.run <= TEXT_RUN
                };
                if keep {
                    out[kept] = b;
                    kept += 1;
                }
            }
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Worksheet,
    SharedStrings,
    OdsContent,
    OtherXml,
    Other,
}

impl Part {
    fn of(name: &str) -> Part {
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("xl/worksheets/") && lower.ends_with(".xml") {
            Part::Worksheet
        } else if lower == "xl/sharedstrings.xml" {
            Part::SharedStrings
        } else if lower == "content.xml" {
            Part::OdsContent
        } else if lower.ends_with(".xml") || lower.ends_with(".rels") || lower.ends_with(".vml") {
            Part::OtherXml
        } else {
            Part::Other
        }
    }
}

/// "XFD1048576" → (row 1048576, column 16384), 1-based.
fn cell_ref(r: &[u8]) -> Option<(u64, u64)> {
    let split = r.iter().position(|b| b.is_ascii_digit())?;
    let (letters, digits) = r.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.iter().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let col = letters.iter().fold(0u64, |acc, b| acc * 26 + u64::from(b.to_ascii_uppercase() - b'A' + 1));
    let row = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((row, col))
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.local_name().into_inner() == name).map(|a| a.value.into_owned())
}

fn number(v: &str) -> Option<u64> {
    v.trim().parse().ok()
}

fn too_many_cells(name: &str, rows: u64, cols: u64) -> Refused {
    Refused(format!(
        "工作表“{}”的范围有 {} 行 × {} 列（约 {} 个单元格），超过 {} 万个单元格的上限：请删去多余的空白行列，或分成几个文件上传",
        clip(name),
        rows,
        cols,
        rows.saturating_mul(cols),
        MAX_CELLS / 10_000
    ))
}

fn scan_xml<R: Read>(input: &mut R, part: Part, name: &str) -> Result<(), Refused> {
    let squashed = Squash { inner: input, in_tag: false, run: 0, name: name.to_string() };
    let mut reader = Reader::from_reader(BufReader::with_capacity(64 * 1024, squashed));
    let mut buf = Vec::with_capacity(4096);
    // worksheet: the furthest row and column seen
    let (mut max_row, mut max_col, mut row, mut col) = (0u64, 0u64, 0u64, 0u64);
    let mut strings = 0u64;
    // ods: cells of the rows so far, counting repeats
    let mut ods_cells = 0u64;
    let mut ods_row_repeat = 1u64;
    let mut ods_row_cols = 0u64;
    loop {
        let event = reader.read_event_into(&mut buf);
        let event = match event {
            Ok(ev) => ev,
            // the counting reader's refusal travels inside the I/O error
            Err(quick_xml::Error::Io(e)) => return Err(io_refused(std::io::Error::new(e.kind(), IoCause(e)))),
            Err(_) => return refuse(format!("文件中的“{}”不是有效的 XML，无法读取", clip(name))),
        };
        match event {
            Event::Eof => break,
            Event::DocType(_) => {
                return refuse(format!(
                    "文件中的“{}”含有 DOCTYPE（实体声明），正常的表格不会有，可能是攻击文件，已拒收",
                    clip(name)
                ));
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let local = e.local_name();
                match (part, local.into_inner()) {
                    (Part::Worksheet, "dimension") => {
                        if let Some(r) = attr(e, "ref") {
                            let last = r.split(':').next_back().unwrap_or(&r);
                            if let Some((rr, cc)) = cell_ref(last.as_bytes())
                                && rr.saturating_mul(cc) > MAX_CELLS
                            {
                                return Err(too_many_cells(name, rr, cc));
                            }
                        }
                    }
                    (Part::Worksheet, "row") => {
                        row = attr(e, "r").and_then(|v| number(&v)).unwrap_or(row + 1);
                        col = 0;
                        max_row = max_row.max(row);
                    }
                    (Part::Worksheet, "c") => {
                        match attr(e, "r").and_then(|v| cell_ref(v.as_bytes())) {
                            Some((r, c)) => {
                                row = r;
                                col = c;
                            }
                            None => col += 1,
                        }
                        max_row = max_row.max(row);
                        max_col = max_col.max(col);
                        if max_row.saturating_mul(max_col) > MAX_CELLS {
                            return Err(too_many_cells(name, max_row, max_col));
                        }
                    }
                    (Part::SharedStrings, "sst") => {
                        for key in ["count", "uniqueCount"] {
                            if let Some(n) = attr(e, key).and_then(|v| number(&v))
                                && n > MAX_SHARED_STRINGS
                            {
                                return refuse(format!(
                                    "文件声明有 {n} 个共享字符串，超过 {} 万个的上限，已拒收",
                                    MAX_SHARED_STRINGS / 10_000
                                ));
                            }
                        }
                    }
                    (Part::SharedStrings, "si") => {
                        strings += 1;
                        if strings > MAX_SHARED_STRINGS {
                            return refuse(format!(
                                "文件中的共享字符串超过 {} 万个的上限，已拒收",
                                MAX_SHARED_STRINGS / 10_000
                            ));
                        }
                    }
                    (Part::OdsContent, "table-row") => {
                        ods_row_repeat = attr(e, "number-rows-repeated").and_then(|v| number(&v)).unwrap_or(1);
                        ods_row_cols = 0;
                    }
                    (Part::OdsContent, "table-cell" | "covered-table-cell") => {
                        let repeat = attr(e, "number-columns-repeated").and_then(|v| number(&v)).unwrap_or(1);
                        // empty cells repeated at a row's end cost nothing; cells with a value do
                        if attr(e, "value-type").is_some() {
                            ods_row_cols = ods_row_cols.saturating_add(repeat);
                            let cells = ods_cells.saturating_add(ods_row_repeat.saturating_mul(ods_row_cols));
                            if cells > MAX_CELLS {
                                return Err(too_many_cells(name, ods_row_repeat, ods_row_cols));
                            }
                        } else {
                            ods_row_cols = ods_row_cols.saturating_add(repeat.min(MAX_CELLS));
                        }
                    }
                    _ => {}
                }
            }
            Event::End(ref e) if part == Part::OdsContent && e.local_name().into_inner() == "table-row" => {
                ods_cells = ods_cells.saturating_add(ods_row_repeat.saturating_mul(ods_row_cols.min(MAX_CELLS)));
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_parse() {
        assert_eq!(cell_ref(b"A1"), Some((1, 1)));
        assert_eq!(cell_ref(b"XFD1048576"), Some((1_048_576, 16_384)));
        assert_eq!(cell_ref(b"aa10"), Some((10, 27)));
        assert_eq!(cell_ref(b"1A"), None);
        assert_eq!(cell_ref(b"ABCD1"), None);
    }

    #[test]
    fn what_the_bytes_are_is_named() {
        assert!(check(b"").unwrap_err().0.contains("空"));
        assert!(check(b"MZ\x90\x00").unwrap_err().0.contains("可执行程序"));
        assert!(check(b"\x7fELF\x02").unwrap_err().0.contains("可执行程序"));
        assert!(check(b"%PDF-1.7").unwrap_err().0.contains("PDF"));
        assert!(check("名称,数量\n".as_bytes()).unwrap_err().0.contains("不是 Excel"));
        assert!(check(b"PK\x03\x04garbage").unwrap_err().0.contains("损坏"));
    }
}
