//! The bottom layer, which knows nothing of games: the clock, the errors
//! every request may answer, the outbox services fill, and the scheduler of
//! deadlines.

pub mod clock;
pub mod error;
pub mod outbox;
pub mod scheduler;
