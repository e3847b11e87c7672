//! Reads the emails Django's file-based backend writes: one file per connection, each message
//! followed by a line of 79 dashes. Messages are parsed as MIME (bodies may be quoted-printable).

use std::path::Path;

#[derive(Clone, Debug)]
pub struct Email {
    /// Every address in To.
    pub to: Vec<String>,
    pub subject: String,
    /// The text/plain part, decoded.
    pub body_text: String,
}

impl Email {
    pub fn is_to(&self, address: &str) -> bool {
        self.to.iter().any(|a| a.eq_ignore_ascii_case(address))
    }

    /// Every http(s) URL in the text body, in order.
    pub fn links(&self) -> Vec<String> {
        let text = &self.body_text;
        let mut links = Vec::new();
        let mut from = 0;
        while let Some(start) = next_url_start(&text[from..]).map(|i| from + i) {
            let len = text[start..]
                .find(|c: char| c.is_whitespace() || "\"'<>()[]".contains(c))
                .unwrap_or(text.len() - start);
            let url = text[start..start + len].trim_end_matches(['.', ',', ';', ':']);
            links.push(url.to_string());
            from = start + len.max(1);
        }
        links
    }

    /// The first URL whose path starts with `path_prefix` (e.g. "/user-activation/"); panics with
    /// the body when there is none.
    pub fn link(&self, path_prefix: &str) -> String {
        self.links()
            .into_iter()
            .find(|url| url_path(url).starts_with(path_prefix))
            .unwrap_or_else(|| {
                panic!(
                    "no link to {path_prefix}… in the email {:?}:\n{}",
                    self.subject, self.body_text
                )
            })
    }
}

fn next_url_start(text: &str) -> Option<usize> {
    match (text.find("http://"), text.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The path (with query) of an absolute URL: `http://host:1/a/b?c` -> `/a/b?c`.
pub fn url_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    after_scheme
        .find('/')
        .map(|i| &after_scheme[i..])
        .unwrap_or("/")
}

/// Every complete message in `dir`, oldest first (by file time, then name, then position).
pub fn read_outbox(dir: &Path) -> Vec<Email> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut files: Vec<_> = entries
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            let modified = e.metadata().and_then(|m| m.modified()).ok();
            (modified, e.file_name(), e.path())
        })
        .collect();
    files.sort();
    let mut emails = Vec::new();
    for (_, _, path) in files {
        let Ok(raw) = std::fs::read(&path) else {
            continue;
        };
        for message in split_messages(&raw) {
            match parse_email(message) {
                Ok(email) => emails.push(email),
                Err(e) => panic!("cannot parse an email in {}: {e}", path.display()),
            }
        }
    }
    emails
}

/// The messages in one file; text after the last separator (a message still being written) is left out.
pub fn split_messages(raw: &[u8]) -> Vec<&[u8]> {
    let separator = [b'-'; 79];
    let mut messages = Vec::new();
    let mut start = 0;
    let mut line_start = 0;
    while line_start < raw.len() {
        let line_end = raw[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| line_start + i);
        let Some(line_end) = line_end else { break };
        let line = raw[line_start..line_end]
            .strip_suffix(b"\r")
            .unwrap_or(&raw[line_start..line_end]);
        if line == separator {
            let message = &raw[start..line_start];
            if message.iter().any(|b| !b.is_ascii_whitespace()) {
                messages.push(message);
            }
            start = line_end + 1;
        }
        line_start = line_end + 1;
    }
    messages
}

pub fn parse_email(raw: &[u8]) -> Result<Email, mailparse::MailParseError> {
    let mail = mailparse::parse_mail(raw)?;
    let mut to = Vec::new();
    for header in mail
        .headers
        .iter()
        .filter(|h| h.get_key().eq_ignore_ascii_case("to"))
    {
        for addr in mailparse::addrparse_header(header)?.iter() {
            match addr {
                mailparse::MailAddr::Single(single) => to.push(single.addr.clone()),
                mailparse::MailAddr::Group(group) => {
                    to.extend(group.addrs.iter().map(|s| s.addr.clone()))
                }
            }
        }
    }
    let subject = mail
        .headers
        .iter()
        .find(|h| h.get_key().eq_ignore_ascii_case("subject"))
        .map(|h| h.get_value())
        .unwrap_or_default();
    let body_text = match find_part(&mail, "text/plain") {
        Some(part) => part.get_body()?,
        None => match find_part(&mail, "text/html") {
            Some(part) => part.get_body()?,
            None => String::new(),
        },
    };
    Ok(Email {
        to,
        subject,
        body_text,
    })
}

fn find_part<'a>(
    mail: &'a mailparse::ParsedMail<'a>,
    mimetype: &str,
) -> Option<&'a mailparse::ParsedMail<'a>> {
    if mail.subparts.is_empty() {
        return mail
            .ctype
            .mimetype
            .eq_ignore_ascii_case(mimetype)
            .then_some(mail);
    }
    mail.subparts.iter().find_map(|p| find_part(p, mimetype))
}
