//! The phases, one module each: each runs its measurements and gives its rows of the table.

pub mod cold;
pub mod memory;
pub mod mobile;
pub mod next;
pub mod nginx;
pub mod pbkdf2;
pub mod sizes;
