//! The GB/T 9704-2012 page and type measures, in the units WordprocessingML wants.
//!
//! Lengths are twips (1/20 pt, 1440 to the inch, 1 mm = 56.6929 twips, rounded to the
//! nearest); font sizes are half-points. Everything is integer arithmetic.

/// Millimetres to twips, rounded to the nearest twip: mm × 1440 ÷ 25.4.
pub const fn mm_to_twips(mm: u32) -> u32 {
    (mm * 14_400 + 127) / 254
}

/// A4 portrait: 210 × 297 mm as Word writes it.
pub const PAGE_WIDTH: u32 = 11_906;
pub const PAGE_HEIGHT: u32 = 16_838;

/// 天头 37 mm, 订口 (left) 28 mm, bottom 35 mm, right 26 mm: a 156 × 225 mm 版心.
pub const MARGIN_TOP: u32 = mm_to_twips(37);
pub const MARGIN_BOTTOM: u32 = mm_to_twips(35);
pub const MARGIN_LEFT: u32 = mm_to_twips(28);
pub const MARGIN_RIGHT: u32 = mm_to_twips(26);
/// Header and footer distances from the page edge: the page number sits about 7 mm under the
/// 版心 (its line is some 6 mm high), the header is unused.
pub const HEADER_DISTANCE: u32 = mm_to_twips(15);
pub const FOOTER_DISTANCE: u32 = mm_to_twips(22);

/// The 版心: 8845 × 12756 twips (156.0 × 225.0 mm).
pub const BODY_WIDTH: u32 = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
pub const BODY_HEIGHT: u32 = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;

/// 22 lines a page and 28 characters a line.
pub const LINES_PER_PAGE: u32 = 22;
pub const CHARS_PER_LINE: u32 = 28;

/// Font sizes in half-points: 2号 22 pt, 3号 16 pt, 4号 14 pt.
pub const SIZE_TITLE: u32 = 44;
pub const SIZE_BODY: u32 = 32;
pub const SIZE_TABLE: u32 = 28;
pub const SIZE_PAGE_NUMBER: u32 = 28;

/// The grid's line pitch: the largest whole twips that fit 22 lines in the 版心 (579).
pub const LINE_PITCH: u32 = BODY_HEIGHT / LINES_PER_PAGE;

/// `w:charSpace` of the grid: how much a character pitch differs from the body font size, in
/// 1/4096 pt, rounded down so that 28 characters fit the 版心 width (−842).
pub const CHAR_SPACE: i64 = {
    let pitch_x_chars = BODY_WIDTH as i64; // = pitch × 28, in twips
    let font_x_chars = (SIZE_BODY as i64 * 10) * CHARS_PER_LINE as i64; // font size × 28, twips
    // (pitch − font) twips → pt (÷ 20) → 1/4096 pt (× 4096)
    ((pitch_x_chars - font_x_chars) * 4096).div_euclid(20 * CHARS_PER_LINE as i64)
};

/// One character of the page-number size, the indent of odd and even page numbers (空一字).
pub const PAGE_NUMBER_INDENT: u32 = SIZE_PAGE_NUMBER * 10;

/// First-line indent of body text: two characters of 3号.
pub const FIRST_LINE_INDENT: u32 = 2 * SIZE_BODY * 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_are_those_of_the_standard() {
        assert_eq!((MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT), (2098, 1984, 1587, 1474));
        assert_eq!((BODY_WIDTH, BODY_HEIGHT), (8845, 12756));
        // 156 mm and 225 mm, to the twip.
        assert_eq!(mm_to_twips(156).abs_diff(BODY_WIDTH), 1);
        assert_eq!(mm_to_twips(225), BODY_HEIGHT);
        assert_eq!(LINE_PITCH, 579);
        const {
            assert!(LINE_PITCH * LINES_PER_PAGE <= BODY_HEIGHT);
            assert!((LINE_PITCH + 1) * LINES_PER_PAGE > BODY_HEIGHT);
        }
        assert_eq!(CHAR_SPACE, -842);
        // 28 characters of (16 pt + charSpace) fit in the width, 29 do not.
        let pitch_4096 = i64::from(SIZE_BODY) * 10 * 4096 / 20 + CHAR_SPACE; // 1/4096 pt
        let width_4096 = i64::from(BODY_WIDTH) * 4096 / 20;
        assert!(pitch_4096 * 28 <= width_4096 && pitch_4096 * 29 > width_4096);
    }
}
