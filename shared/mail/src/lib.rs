//! Mail: the message built once as MIME (plain text and HTML alternatives, UTF-8) from Project
//! Fluent templates in English, Ukrainian and Russian, and the two senders of the domain's
//! [`MailSender`] port: SES v2 (raw content) and the outbox that writes `.eml` files (the local
//! stand-in for SES). It renders and sends, nothing more: the retry and dead-letter policy is the
//! domain's delivery flow.

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};
use lettre::message::{Mailbox, Message, MultiPart};
use secboard_domain::links::LinkKind;
use secboard_domain::mail::{Mail, MailKind};
use secboard_domain::ports::MailSender;
use secboard_domain::text::Language;
use std::path::{Path, PathBuf};

const EN: &str = include_str!("../locales/en.ftl");
const UK: &str = include_str!("../locales/uk.ftl");
const RU: &str = include_str!("../locales/ru.ftl");

/// A message in one language, before MIME.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn bundle(lang: Language) -> anyhow::Result<FluentBundle<FluentResource>> {
    let (id, src) = match lang {
        Language::En => (unic_langid::langid!("en"), EN),
        Language::Uk => (unic_langid::langid!("uk"), UK),
        Language::Ru => (unic_langid::langid!("ru"), RU),
    };
    let res = FluentResource::try_new(src.to_owned()).map_err(|(_, e)| anyhow::anyhow!("{lang:?} templates: {e:?}"))?;
    let mut b = FluentBundle::new(vec![id]);
    // Mail clients show Unicode isolation marks as boxes; the arguments here are plain.
    b.set_use_isolating(false);
    b.add_resource(res).map_err(|e| anyhow::anyhow!("{lang:?} templates: {e:?}"))?;
    Ok(b)
}

fn msg(b: &FluentBundle<FluentResource>, id: &str, args: Option<&FluentArgs>) -> anyhow::Result<String> {
    let m = b.get_message(id).ok_or_else(|| anyhow::anyhow!("no message {id}"))?;
    let pattern = m.value().ok_or_else(|| anyhow::anyhow!("message {id} has no value"))?;
    let mut errors = vec![];
    let out = b.format_pattern(pattern, args, &mut errors).into_owned();
    if errors.is_empty() { Ok(out) } else { Err(anyhow::anyhow!("message {id}: {errors:?}")) }
}

/// "15 minutes", "1 година", "24 часа": the link's lifetime with the language's plural form.
pub fn duration(lang: Language, kind: LinkKind) -> anyhow::Result<String> {
    let b = bundle(lang)?;
    let mins = kind.lifetime().as_mins();
    let mut args = FluentArgs::new();
    if mins % 60 == 0 {
        args.set("count", mins / 60);
        msg(&b, "hours", Some(&args))
    } else {
        args.set("count", mins);
        msg(&b, "minutes", Some(&args))
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

pub fn render(mail: &Mail) -> anyhow::Result<Rendered> {
    let b = bundle(mail.language)?;
    let name = mail.kind.name();
    let (url, link_kind) = match &mail.kind {
        MailKind::PasswordReset { url } => (Some(url.as_str()), Some(LinkKind::Reset)),
        MailKind::FirstAccess { url } => (Some(url.as_str()), Some(LinkKind::FirstAccess)),
        MailKind::MagicLink { url } => (Some(url.as_str()), Some(LinkKind::Magic)),
        MailKind::PasswordChanged
        | MailKind::TwoFactorEnabled
        | MailKind::TwoFactorDisabled { .. }
        | MailKind::BackupCodesRegenerated
        | MailKind::EmailChanged
        | MailKind::PasswordSetByAdmin => (None, None),
    };
    let mut args = FluentArgs::new();
    args.set("name", mail.first_name.clone());
    if let Some(k) = link_kind {
        args.set("duration", duration(mail.language, k)?);
    }
    let subject = msg(&b, &format!("{name}-subject"), None)?;
    let greeting = msg(&b, "greeting", Some(&args))?;
    let body = msg(&b, &format!("{name}-body"), Some(&args))?;
    let ignore = msg(&b, &format!("{name}-ignore"), None)?;
    let signature = msg(&b, "signature", None)?;
    let mut text = format!("{greeting}\n\n{body}\n\n");
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;color:#1d2330\"><p>{}</p><p>{}</p>",
        escape(&greeting),
        escape(&body)
    );
    if let Some(url) = url {
        let action = msg(&b, &format!("{name}-action"), None)?;
        text.push_str(&format!("{url}\n\n"));
        html.push_str(&format!(
            "<p><a href=\"{u}\" style=\"background:#1d2330;color:#fff;padding:10px 16px;border-radius:4px;text-decoration:none\">{a}</a></p><p style=\"font-size:12px\">{u}</p>",
            u = escape(url),
            a = escape(&action)
        ));
    }
    text.push_str(&format!("{ignore}\n\n-- \n{signature}\n"));
    html.push_str(&format!("<p>{}</p><p>{}</p></body></html>", escape(&ignore), escape(&signature)));
    Ok(Rendered { subject, text, html })
}

/// The message as MIME: `multipart/alternative` with text and HTML, UTF-8 headers.
pub fn to_mime(mail: &Mail, rendered: &Rendered, message_id: &str, date: std::time::SystemTime) -> anyhow::Result<Vec<u8>> {
    let m = Message::builder()
        .from(mail.from.parse::<Mailbox>()?)
        .to(mail.to.parse::<Mailbox>()?)
        .subject(rendered.subject.clone())
        .date(date)
        .message_id(Some(format!("<{message_id}@secboard>")))
        .multipart(MultiPart::alternative_plain_html(rendered.text.clone(), rendered.html.clone()))?;
    Ok(m.formatted())
}

/// The local stand-in for SES: each message an `.eml` file in a folder.
#[derive(Clone, Debug)]
pub struct Outbox {
    dir: PathBuf,
}

impl Outbox {
    pub fn new(dir: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Outbox { dir })
    }
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// Writes a message; the name sorts by time.
    pub fn write(&self, message_id: &str, raw: &[u8]) -> anyhow::Result<PathBuf> {
        let path = self.dir.join(format!("{message_id}.eml"));
        std::fs::write(&path, raw)?;
        Ok(path)
    }
    /// Every message, oldest first.
    pub fn messages(&self) -> anyhow::Result<Vec<PathBuf>> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&self.dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        v.sort();
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(lang: Language, kind: MailKind) -> Mail {
        Mail { to: "ada@example.com".into(), from: "no-reply@secboard.example".into(), language: lang, first_name: "Ada <b>".into(), kind }
    }

    #[test]
    fn plural_forms_are_right_for_each_language() {
        use LinkKind::*;
        assert_eq!(duration(Language::En, Magic).unwrap(), "15 minutes");
        assert_eq!(duration(Language::En, Reset).unwrap(), "1 hour");
        assert_eq!(duration(Language::Uk, Magic).unwrap(), "15 хвилин");
        assert_eq!(duration(Language::Uk, Reset).unwrap(), "1 година");
        assert_eq!(duration(Language::Uk, FirstAccess).unwrap(), "24 години");
        assert_eq!(duration(Language::Ru, Magic).unwrap(), "15 минут");
        assert_eq!(duration(Language::Ru, Reset).unwrap(), "1 час");
        assert_eq!(duration(Language::Ru, FirstAccess).unwrap(), "24 часа");
        // The rules themselves, beyond the lifetimes used: 1 / 2 / 5 and 21 / 22 / 25.
        let b = bundle(Language::Uk).unwrap();
        let form = |n: i64| {
            let mut a = FluentArgs::new();
            a.set("count", n);
            msg(&b, "minutes", Some(&a)).unwrap()
        };
        assert_eq!(
            [form(1), form(2), form(5), form(21), form(22), form(25)],
            ["1 хвилина", "2 хвилини", "5 хвилин", "21 хвилина", "22 хвилини", "25 хвилин"]
        );
    }

    #[test]
    fn every_kind_renders_in_every_language_with_the_link_and_escaped_html() {
        for lang in [Language::En, Language::Uk, Language::Ru] {
            for kind in [
                MailKind::PasswordReset { url: "https://c.example/password.html#u.s".into() },
                MailKind::FirstAccess { url: "https://c.example/password.html#u.s".into() },
                MailKind::MagicLink { url: "https://c.example/magic.html#u.s".into() },
                MailKind::PasswordChanged,
                MailKind::TwoFactorEnabled,
                MailKind::TwoFactorDisabled { by_admin: false },
                MailKind::TwoFactorDisabled { by_admin: true },
                MailKind::BackupCodesRegenerated,
                MailKind::EmailChanged,
                MailKind::PasswordSetByAdmin,
            ] {
                let r = render(&mail(lang, kind.clone())).unwrap();
                assert!(!r.subject.is_empty());
                assert!(r.text.contains("Ada <b>"), "the text part is plain");
                assert!(r.html.contains("Ada &lt;b&gt;") && !r.html.contains("<b>"), "names are escaped in HTML");
                if let MailKind::PasswordReset { url } | MailKind::FirstAccess { url } | MailKind::MagicLink { url } = &kind {
                    assert!(r.text.contains(url.as_str()) && r.html.contains(&format!("href=\"{url}\"")));
                }
            }
        }
        let uk = render(&mail(Language::Uk, MailKind::MagicLink { url: "x".into() })).unwrap();
        assert!(uk.text.contains("15 хвилин"), "{}", uk.text);
    }

    #[test]
    fn the_mime_message_has_text_and_html_alternatives_and_a_utf8_subject() {
        let m = mail(Language::Ru, MailKind::PasswordReset { url: "https://c.example/password.html#u.s".into() });
        let raw = String::from_utf8(to_mime(&m, &render(&m).unwrap(), "abc", std::time::SystemTime::UNIX_EPOCH).unwrap()).unwrap();
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain; charset=utf-8") && raw.contains("text/html; charset=utf-8"));
        assert!(raw.contains("Subject: =?utf-8?"), "an encoded UTF-8 subject");
        assert!(raw.contains("Message-ID: <abc@secboard>"));
        assert!(raw.contains("To: ada@example.com"));
    }
}

/// The message as sent: rendered in its language, built once as MIME.
pub fn build(mail: &Mail, message_id: &str, queued_at: jiff::Timestamp) -> anyhow::Result<Vec<u8>> {
    let rendered = render(mail)?;
    to_mime(mail, &rendered, message_id, std::time::SystemTime::from(queued_at))
}

#[async_trait::async_trait]
impl MailSender for Outbox {
    async fn send(&self, mail: &Mail, message_id: &str, queued_at: jiff::Timestamp) -> anyhow::Result<()> {
        self.write(message_id, &build(mail, message_id, queued_at)?)?;
        Ok(())
    }
}

/// The decoded `text/plain` part of a message we built (for the outbox page and tests): handles
/// base64, quoted-printable and 7bit bodies.
pub fn text_part(raw: &[u8]) -> Option<String> {
    part(raw, "text/plain")
}

/// The decoded subject (RFC 2047 `=?utf-8?b?...?=` words joined).
pub fn subject(raw: &[u8]) -> Option<String> {
    use base64::Engine;
    let text = String::from_utf8_lossy(raw);
    let mut lines = text.split("\r\n").skip_while(|l| !l.starts_with("Subject:"));
    let mut value = lines.next()?.trim_start_matches("Subject:").trim().to_owned();
    for l in lines.take_while(|l| l.starts_with(' ') || l.starts_with('\t')) {
        value.push_str(l.trim());
    }
    let mut out = String::new();
    for word in value.split_whitespace() {
        match word.strip_prefix("=?utf-8?b?").and_then(|w| w.strip_suffix("?=")) {
            Some(b64) => out.push_str(&String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).ok()?).ok()?),
            None => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(word);
            }
        }
    }
    Some(out)
}

fn part(raw: &[u8], content_type: &str) -> Option<String> {
    use base64::Engine;
    let text = String::from_utf8_lossy(raw).replace("\r\n", "\n");
    let boundary = text.split("boundary=\"").nth(1)?.split('"').next()?.to_owned();
    for chunk in text.split(&format!("--{boundary}")) {
        let (headers, body) = chunk.trim_start_matches('\n').split_once("\n\n")?;
        let h = headers.to_ascii_lowercase();
        if !h.contains(&format!("content-type: {content_type}")) {
            continue;
        }
        let body = body.trim_end();
        let decoded = if h.contains("content-transfer-encoding: base64") {
            let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD.decode(b64).ok()?
        } else if h.contains("content-transfer-encoding: quoted-printable") {
            let joined = body.replace("=\n", "");
            let bytes = joined.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'='
                    && i + 2 < bytes.len()
                    && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(bytes[i]);
                i += 1;
            }
            out
        } else {
            body.as_bytes().to_vec()
        };
        return String::from_utf8(decoded).ok();
    }
    None
}

#[cfg(test)]
mod part_tests {
    use super::*;

    #[test]
    fn the_text_part_and_subject_decode_in_every_language() {
        for lang in [Language::En, Language::Uk, Language::Ru] {
            let url = "https://console.example.com/password.html#01J00000000000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
            let m = Mail {
                to: "a@example.com".into(),
                from: "b@example.com".into(),
                language: lang,
                first_name: "Ада".into(),
                kind: MailKind::PasswordReset { url: url.into() },
            };
            let r = render(&m).unwrap();
            let raw = to_mime(&m, &r, "id1", std::time::SystemTime::UNIX_EPOCH).unwrap();
            let text = text_part(&raw).unwrap();
            assert!(text.contains(url), "{lang:?}: {text}");
            assert!(text.contains("Ада"));
            assert_eq!(subject(&raw).unwrap(), r.subject);
        }
    }
}

/// Amazon SES v2: the message as built, sent as raw content.
#[derive(Clone)]
pub struct Ses {
    client: aws_sdk_sesv2::Client,
    /// The SES configuration set whose event destination reports bounces and complaints back
    /// (`SECBOARD_SES_CONFIGURATION_SET`; template.yaml makes it).
    configuration_set: Option<String>,
}

impl Ses {
    pub fn new(sdk: &aws_config::SdkConfig) -> Self {
        let configuration_set = std::env::var("SECBOARD_SES_CONFIGURATION_SET").ok().filter(|v| !v.trim().is_empty());
        Ses { client: aws_sdk_sesv2::Client::new(sdk), configuration_set }
    }
    pub fn client(&self) -> &aws_sdk_sesv2::Client {
        &self.client
    }
}

#[async_trait::async_trait]
impl MailSender for Ses {
    async fn send(&self, mail: &Mail, message_id: &str, queued_at: jiff::Timestamp) -> anyhow::Result<()> {
        let raw = build(mail, message_id, queued_at)?;
        use aws_sdk_sesv2::primitives::Blob;
        use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
        let content = EmailContent::builder().raw(RawMessage::builder().data(Blob::new(raw)).build()?).build();
        self.client
            .send_email()
            .from_email_address(&mail.from)
            .destination(Destination::builder().to_addresses(&mail.to).build())
            .content(content)
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await?;
        Ok(())
    }
}
