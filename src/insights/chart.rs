//! The `/stats` chart: questions per day (answered and not, stacked) above
//! 👍 and 👎 per day, as a PNG of [`WIDTH`] × [`HEIGHT`] pixels. Drawn in
//! memory with plotters and a font embedded in the binary, so it never
//! depends on the machine's fonts; on an opaque light card with dark text,
//! so it reads the same in Discord's dark and light themes. Pure: a report
//! in, PNG bytes out.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::report::{Day, Stats};

/// The chart's width, in pixels: Discord shows it at up to 400 wide in an
/// embed, so twice that stays sharp.
pub const WIDTH: u32 = 800;
/// The chart's height, in pixels.
pub const HEIGHT: u32 = 500;
/// The file name the chart is attached as (`attachment://stats.png`).
pub const FILE: &str = "stats.png";

/// DejaVu Sans, Latin-1 only (see `assets/fonts/SOURCE.md`).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");
/// The name the font is registered under.
const FAMILY: &str = "careerbot-sans";

const BACKGROUND: RGBColor = RGBColor(250, 250, 252);
const INK: RGBColor = RGBColor(32, 34, 37);
const GRID: RGBColor = RGBColor(220, 222, 228);
const ANSWERED: RGBColor = RGBColor(43, 108, 176);
const UNANSWERED: RGBColor = RGBColor(230, 145, 56);
const UP: RGBColor = RGBColor(46, 139, 87);
const DOWN: RGBColor = RGBColor(200, 55, 55);

/// Why a chart could not be drawn (never the data: a drawing failure).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart: {0}")]
pub struct ChartError(String);

fn failed(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// The chart of `stats`'s period as PNG bytes. A period without questions
/// or ratings gives a chart that says so.
///
/// # Errors
/// When drawing or encoding fails.
pub fn png(stats: &Stats) -> Result<Vec<u8>, ChartError> {
    register_font()?;
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&BACKGROUND).map_err(failed)?;
        let empty = stats
            .per_day
            .iter()
            .all(|d| d.questions + d.up + d.down == 0);
        if empty {
            draw_empty(&root, stats.days)?;
        } else {
            let (top, bottom) = root.split_vertically(HEIGHT * 55 / 100);
            draw_questions(&top, &stats.per_day, stats.days)?;
            draw_votes(&bottom, &stats.per_day)?;
        }
        root.present().map_err(failed)?;
    }
    encode(&pixels)
}

/// Registers the embedded font once per process; every call says whether
/// it could be.
fn register_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ChartError("the embedded font is not a font".to_string()))
    }
}

fn font(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&INK)
}

/// The chart of a period with nothing in it.
fn draw_empty(root: &DrawingArea<BitMapBackend<'_>, Shift>, days: u32) -> Result<(), ChartError> {
    let text = format!("No questions or ratings in the last {days} day(s).");
    let style = font(24).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Center,
    ));
    root.draw_text(&text, &style, (WIDTH as i32 / 2, HEIGHT as i32 / 2))
        .map_err(failed)
}

/// A day's label on the x axis: `MM-DD` of the bar at `x`.
fn day_label(days: &[Day], x: f64) -> String {
    let i = x.floor();
    if i < 0.0 || i as usize >= days.len() {
        return String::new();
    }
    days[i as usize].date.get(5..).unwrap_or("").to_string()
}

/// The y axis's top: the largest value with room above it for the legend.
fn ceiling(max: usize) -> f64 {
    (max.max(1) as f64 * 1.5).ceil()
}

/// A chart over `days` in `area`, titled `caption`, with its axes and
/// grid drawn: days across (labelled `MM-DD`), `y_desc` up to `max`.
fn axes<'a, 'b: 'a>(
    area: &'a DrawingArea<BitMapBackend<'b>, Shift>,
    days: &[Day],
    caption: String,
    (y_desc, max): (&str, usize),
) -> Result<Chart<'a, 'b>, ChartError> {
    let mut chart = ChartBuilder::on(area)
        .caption(caption, font(20))
        .margin(12)
        .x_label_area_size(34)
        .y_label_area_size(48)
        .build_cartesian_2d(0.0..days.len() as f64, 0.0..ceiling(max))
        .map_err(failed)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(GRID)
        .bold_line_style(GRID)
        .axis_style(INK)
        .label_style(font(14))
        .axis_desc_style(font(15))
        .x_labels(8)
        .x_label_formatter(&|x| day_label(days, *x))
        .y_labels(5)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .y_desc(y_desc)
        .x_desc("day (UTC)")
        .draw()
        .map_err(failed)?;
    Ok(chart)
}

/// A legend entry's swatch in `colour`.
fn swatch(colour: RGBColor) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled())
}

/// Questions per day, answered stacked under not answered.
fn draw_questions(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    days: &[Day],
    period: u32,
) -> Result<(), ChartError> {
    let max = days.iter().map(|d| d.questions).max().unwrap_or(0);
    let caption = format!("Questions per day, last {period} day(s)");
    let mut chart = axes(area, days, caption, ("questions", max))?;
    let bar = |i: usize, from: usize, to: usize, colour: RGBColor| {
        let x = i as f64;
        Rectangle::new(
            [(x + 0.12, from as f64), (x + 0.88, to as f64)],
            colour.filled(),
        )
    };
    chart
        .draw_series(
            days.iter()
                .enumerate()
                .map(|(i, d)| bar(i, 0, d.answered, ANSWERED)),
        )
        .map_err(failed)?
        .label("answered")
        .legend(swatch(ANSWERED));
    chart
        .draw_series(
            days.iter()
                .enumerate()
                .map(|(i, d)| bar(i, d.answered, d.questions, UNANSWERED)),
        )
        .map_err(failed)?
        .label("not answered")
        .legend(swatch(UNANSWERED));
    legend(&mut chart)
}

/// 👍 and 👎 per day, side by side.
fn draw_votes(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    days: &[Day],
) -> Result<(), ChartError> {
    let max = days.iter().map(|d| d.up.max(d.down)).max().unwrap_or(0);
    let mut chart = axes(area, days, "Ratings per day".to_string(), ("votes", max))?;
    let bar = |i: usize, left: bool, value: usize, colour: RGBColor| {
        let x = i as f64 + if left { 0.1 } else { 0.5 };
        Rectangle::new([(x, 0.0), (x + 0.4, value as f64)], colour.filled())
    };
    chart
        .draw_series(days.iter().enumerate().map(|(i, d)| bar(i, true, d.up, UP)))
        .map_err(failed)?
        .label("thumbs up")
        .legend(swatch(UP));
    chart
        .draw_series(
            days.iter()
                .enumerate()
                .map(|(i, d)| bar(i, false, d.down, DOWN)),
        )
        .map_err(failed)?
        .label("thumbs down")
        .legend(swatch(DOWN));
    legend(&mut chart)
}

type Chart<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// The series' legend, in the top right corner.
fn legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>) -> Result<(), ChartError> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(BACKGROUND.mix(0.9))
        .border_style(GRID)
        .label_font(font(14))
        .draw()
        .map_err(failed)
}

/// `pixels` (RGB, row by row) as a PNG file.
fn encode(pixels: &[u8]) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(failed)?;
    writer.write_image_data(pixels).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::report::summarize;
    use crate::insights::{Outcome, QuestionRecord};

    fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().expect("a PNG header");
        let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
        let info = reader.next_frame(&mut pixels).expect("a frame");
        (info.width, info.height, pixels)
    }

    #[test]
    fn a_period_with_questions_and_an_empty_one_both_draw_a_png_of_the_documented_size() {
        let now = 20 * 86_400;
        let questions: Vec<QuestionRecord> = (0..30)
            .map(|i| {
                let outcome = if i % 3 == 0 {
                    Outcome::Declined
                } else {
                    Outcome::Answered
                };
                QuestionRecord::new(now - i * 40_000, "q", outcome)
            })
            .collect();
        let busy = summarize(14, now - 14 * 86_400, now, &questions, &[], &[]);
        let empty = summarize(14, now - 14 * 86_400, now, &[], &[], &[]);
        let (w, h, drawn) = decode(&png(&busy).expect("drawn"));
        assert_eq!((w, h), (WIDTH, HEIGHT));
        let (_, _, blank) = decode(&png(&empty).expect("drawn"));
        let coloured = |pixels: &[u8], colour: RGBColor| {
            pixels
                .chunks(3)
                .filter(|p| p == &[colour.0, colour.1, colour.2])
                .count()
        };
        assert!(
            coloured(&drawn, ANSWERED) > 1_000,
            "answered bars are drawn"
        );
        assert!(
            coloured(&drawn, UNANSWERED) > 100,
            "unanswered bars are drawn"
        );
        assert_eq!(coloured(&blank, ANSWERED), 0, "no bars in an empty period");
        assert!(
            coloured(&blank, INK) > 50,
            "the empty chart says so in text"
        );
    }
}
