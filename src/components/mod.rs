//! The pieces every page is built from.

mod form;
mod layout;
mod link;

pub use form::{focus, input_id, submit_with, Form, SubmitFn};
pub use layout::{
    brand, page_title, performance_mark, use_heading_focus, use_performance_mark, use_title,
    AuthCard, Loading, Notice, NoticeKind,
};
pub use link::AppLink;
