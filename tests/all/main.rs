//! End-to-end tests, one binary so the suite links once.

mod catalog;
mod conformance;
mod contract;
mod fuzz;
mod game_service;
mod runtime;
mod scaffold;
mod serve;
mod store;
