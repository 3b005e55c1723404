//! The bottom layer, which knows nothing of games: the clock, the errors
//! every request may answer, the outbox services fill, the scheduler of
//! deadlines, and the process's open-files limit.

pub mod clock;
pub mod error;
pub mod files;
pub mod outbox;
pub mod scheduler;
