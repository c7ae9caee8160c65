//! Writes plans as SQL scripts (and their JSON form) and schemas as canonical DDL. Pure.

pub mod postgres;
pub mod sqlite;
