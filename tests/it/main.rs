//! End-to-end tests: the real `hrss` binary on generated data and on deliberately broken fixtures.

mod browser;
mod demo;
mod forecast;
mod generate;
mod ingest;
mod models;
mod report;
mod serve;
mod shell;
mod sql;
mod support;
