//! Delivering the outbox through an SMTP relay: each message once, retried with backoff.

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use pacesetter_domain::dates::now_ms;
use pacesetter_store::{Store, outbox};
use std::time::Duration;

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// From smtp://[user:password@]host[:port] and a sender such as "创先争优平台 <cxzy@example.edu.cn>".
    pub fn new(url: &str, from: &str) -> Result<Mailer, String> {
        let rest = url.strip_prefix("smtp://").ok_or_else(|| format!("PACESETTER_SMTP_URL must start with smtp://, not {url:?}"))?;
        let (creds, hostport) = match rest.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, rest),
        };
        let hostport = hostport.trim_end_matches('/');
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| format!("bad port in PACESETTER_SMTP_URL: {p}"))?),
            None => (hostport, 25),
        };
        if host.is_empty() {
            return Err("PACESETTER_SMTP_URL names no host".into());
        }
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(port).timeout(Some(Duration::from_secs(20)));
        if let Some(c) = creds {
            let (u, p) = c.split_once(':').unwrap_or((c, ""));
            let dec = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().to_string();
            b = b.credentials(Credentials::new(dec(u), dec(p)));
        }
        let from: Mailbox = from.parse().map_err(|e| format!("PACESETTER_MAIL_FROM is not an address: {e}"))?;
        Ok(Mailer { transport: b.build(), from })
    }

    async fn send(&self, m: &outbox::Mail) -> Result<(), String> {
        let to: Mailbox = m.to_addr.parse().map_err(|e| format!("bad recipient: {e}"))?;
        // lettre encodes a non-ASCII subject per RFC 2047 and the body as UTF-8.
        let id = outbox::message_id(m, self.from.email.domain());
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .message_id(Some(id))
            .subject(m.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone())
            .map_err(|e| e.to_string())?;
        self.transport.send(msg).await.map(|_| ()).map_err(|e| e.to_string())
    }

    /// Delivers what is due and not leased to another server, as `holder`; returns how many
    /// messages were delivered.
    pub async fn deliver_due(&self, store: &Store, holder: &str) -> Result<usize, String> {
        let due = {
            let mut w = store.write().await.map_err(|e| e.to_string())?;
            let due = outbox::claim(&mut w, holder, now_ms(), 20).await.map_err(|e| e.to_string())?;
            w.commit().await.map_err(|e| e.to_string())?;
            due
        };
        let mut sent = 0;
        for m in due {
            let mut w = store.write().await.map_err(|e| e.to_string())?;
            let still = outbox::renew(&mut w, m.id, holder, now_ms()).await.map_err(|e| e.to_string())?;
            w.commit().await.map_err(|e| e.to_string())?;
            if !still {
                continue;
            }
            let result = self.send(&m).await;
            let mut w = store.write().await.map_err(|e| e.to_string())?;
            match result {
                Ok(()) => {
                    outbox::mark_sent(&mut w, m.id).await.map_err(|e| e.to_string())?;
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(mail = m.id, to = m.to_addr, "mail delivery failed: {e}");
                    outbox::mark_failed(&mut w, m.id, m.attempts, &e).await.map_err(|e| e.to_string())?;
                }
            }
            w.commit().await.map_err(|e| e.to_string())?;
        }
        Ok(sent)
    }
}
