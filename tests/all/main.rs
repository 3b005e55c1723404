//! End-to-end tests, one binary so the suite links once.

mod conformance;
mod runtime;
mod scaffold;
mod serve;
