//! The SVG charts of the pages: the chart module lives in the reports crate
//! (`kaifaqu_reports::chart`) so that documents embed the same drawings; re-exported here for
//! the indicator, target, cockpit and city pages.

pub use kaifaqu_reports::chart::*;
