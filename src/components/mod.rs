//! The pieces every page is built from.

mod form;
mod layout;
mod link;

pub use form::{focus, input_id, submit_with, Form, SubmitFn};
#[cfg(feature = "prerender")]
pub use layout::DrawnTitle;
pub use layout::{
    back_to_sign_in, bad_link_card, brand, email_changed_notice, loading, notice, notice_text,
    page_title, performance_mark, sent_card, sign_out_button, under_way, use_heading_focus,
    use_performance_mark, use_title, NoticeKind, PageCard,
};
pub use link::{app_link, LinkLook};
