//! client-go's certificate manager (`certificate_manager.go`) as a sub-machine: the rotation
//! loop, the attempt (key, CSR, wait, store), the back-off, server-health tracking and the
//! template check. Log texts are the manager's printf-era texts (`klog`/`HandleError` with
//! `fmt.Errorf("%s: …", m.name, …)`), prefixed with its name — the signer name, as the kubelet
//! configures no other — e.g. `kubernetes.io/kubelet-serving: certificate request was not
//! signed: timed out waiting for the condition`, the line kubelets print in the field. The
//! newest client-go logs the same events through structured logging instead
//! (`"Certificate request was not signed" err="…"`); those lines are not reproduced.

use std::sync::Arc;

use super::io::{Io, Owner};
use super::rotation::{
    self, BACKOFF_STEPS, Jitter, LOOP_PERIOD, POLL_INTERVAL, ROTATION_WAIT, Template, go_time,
};
use super::store::{Pair, Store};
use super::waiter::{Step, Waiter};
use super::{KeyPurpose, Output};
use crate::api::{Credential, Operation, Reply, RequestId, StatusReason, WatchEvent, WatchId};
use crate::csr::CertificateSigningRequest;
use crate::pki::PrivateKey;
use crate::time::Instant;

/// What a manager call needs from the machine.
pub(crate) struct Ctx<'a> {
    pub(crate) io: &'a mut Io,
    pub(crate) jitter: &'a mut Jitter,
    pub(crate) now: Instant,
    /// The credential requests carry now.
    pub(crate) credential: Credential,
    pub(crate) utc_offset_seconds: i32,
}

#[derive(Debug)]
enum Phase {
    /// The loop's next iteration (compute the deadline) is due at this instant.
    Loop(Instant),
    /// Sleeping until the rotation deadline.
    Sleeping(Instant),
    /// A key was asked for.
    AwaitKey,
    /// The create request is out.
    Creating {
        request: RequestId,
        key: Arc<PrivateKey>,
        template: Template,
    },
    /// Waiting for the certificate.
    Waiting {
        waiter: Waiter,
        key: Arc<PrivateKey>,
        template: Template,
    },
    /// Back-off (or poll) sleep before the next attempt.
    Retry(Instant),
}

#[derive(Debug)]
pub(crate) struct Manager {
    owner: Owner,
    purpose: KeyPurpose,
    /// The log prefix (`kubernetes.io/kube-apiserver-client-kubelet`).
    name: String,
    signer: &'static str,
    pub(crate) store: Store,
    pub(crate) cert: Option<Arc<Pair>>,
    force_rotation: bool,
    pub(crate) server_healthy: bool,
    template: Option<Template>,
    last_request: Option<Template>,
    phase: Phase,
    /// Attempts made in the current back-off round; `None` once polling every 32 s.
    attempts: Option<u32>,
}

impl Manager {
    /// `NewManager` + `Start`: `cert` is the current pair (or the bootstrap pair), `force`
    /// whether to rotate at once.
    pub(crate) fn start(
        io: &mut Io,
        purpose: KeyPurpose,
        store: Store,
        cert: Option<Arc<Pair>>,
        force: bool,
        template: Option<Template>,
        now: Instant,
    ) -> Self {
        let signer = match purpose {
            KeyPurpose::Serving => crate::pki::signers::KUBELET_SERVING,
            _ => crate::pki::signers::KUBE_APISERVER_CLIENT_KUBELET,
        };
        io.info(format!("{signer}: Certificate rotation is enabled"));
        Self {
            owner: Owner::from(purpose),
            purpose,
            name: signer.to_owned(),
            signer,
            store,
            cert,
            force_rotation: force,
            server_healthy: false,
            template,
            last_request: None,
            phase: Phase::Loop(now),
            attempts: Some(0),
        }
    }

    pub(crate) fn timeout(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Loop(t) | Phase::Sleeping(t) | Phase::Retry(t) => Some(*t),
            Phase::Waiting { waiter, .. } => Some(waiter.timeout()),
            Phase::AwaitKey | Phase::Creating { .. } => None,
        }
    }

    /// The rotation deadline the manager sleeps until, if it is sleeping.
    pub(crate) fn sleeping_until(&self) -> Option<Instant> {
        match self.phase {
            Phase::Sleeping(t) => Some(t),
            _ => None,
        }
    }

    /// `Current()`: the certificate unless it has expired.
    pub(crate) fn current(&self, now: Instant) -> Option<&Arc<Pair>> {
        self.cert.as_ref().filter(|p| {
            p.leaf()
                .is_some_and(|l| now <= Instant::from(l.not_after()))
        })
    }

    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now;
        match &mut self.phase {
            Phase::Loop(t) if now >= *t => self.iterate(ctx),
            Phase::Sleeping(t) if now >= *t => self.rotate(ctx),
            Phase::Retry(t) if now >= *t => self.attempt(ctx),
            Phase::Waiting { waiter, .. } => {
                if let Step::Done(result) =
                    waiter.on_timer(ctx.io, self.owner, &ctx.credential, now)
                {
                    self.wait_done(ctx, result);
                }
            }
            _ => {}
        }
    }

    /// One iteration of the `wait.Until` loop: compute the deadline, sleep until it, rotate.
    fn iterate(&mut self, ctx: &mut Ctx<'_>) {
        let deadline = self.next_rotation_deadline(ctx);
        let sleep = deadline - ctx.now;
        if sleep.as_nanos() > 0 {
            ctx.io.info(format!(
                "{}: Waiting {sleep} for next certificate rotation",
                self.name
            ));
            self.phase = Phase::Sleeping(deadline);
            return;
        }
        self.rotate(ctx);
    }

    /// After the deadline: start a back-off round, unless there is no template yet.
    fn rotate(&mut self, ctx: &mut Ctx<'_>) {
        if self.template.is_none() {
            self.phase = Phase::Loop(ctx.now + LOOP_PERIOD);
            return;
        }
        self.attempts = Some(0);
        self.attempt(ctx);
    }

    fn next_rotation_deadline(&mut self, ctx: &mut Ctx<'_>) -> Instant {
        if self.force_rotation {
            self.force_rotation = false;
            return ctx.now;
        }
        if !self.satisfies_template(ctx.io) {
            return ctx.now;
        }
        let Some(leaf) = self.cert.as_ref().and_then(|p| p.leaf()) else {
            return ctx.now;
        };
        let not_before = Instant::from(leaf.not_before());
        let not_after = Instant::from(leaf.not_after());
        let deadline = rotation::rotation_deadline(not_before, not_after, ctx.jitter.next_unit());
        ctx.io.info(format!(
            "{}: Certificate expiration is {}, rotation deadline is {}",
            self.name,
            go_time(not_after),
            go_time(deadline)
        ));
        deadline
    }

    /// `certSatisfiesTemplateLocked`, logging why not.
    fn satisfies_template(&self, io: &mut Io) -> bool {
        let Some(leaf) = self.cert.as_ref().and_then(|p| p.leaf()) else {
            return false;
        };
        let Some(template) = &self.template else {
            return true;
        };
        match template.satisfied_by(leaf) {
            Ok(()) => true,
            Err(why) => {
                io.info(format!("{}: {why}", self.name));
                false
            }
        }
    }

    /// `rotateCerts`, first half: a fresh key.
    fn attempt(&mut self, ctx: &mut Ctx<'_>) {
        ctx.io.info(format!("{}: Rotating certificates", self.name));
        ctx.io.outputs.push_back(Output::GenerateKey(self.purpose));
        self.phase = Phase::AwaitKey;
    }

    pub(crate) fn on_key(&mut self, ctx: &mut Ctx<'_>, key: PrivateKey) {
        if !matches!(self.phase, Phase::AwaitKey) {
            return;
        }
        let Some(template) = self.template.clone() else {
            ctx.io.error(format!(
                "{name}: Unable to generate a certificate signing request: {name}: unable to create a csr, no template available",
                name = self.name
            ));
            self.attempt_failed(ctx);
            return;
        };
        let sans = crate::pki::request::SubjectAltNames {
            dns_names: template.dns_names.clone(),
            ip_addresses: template.ip_addresses.clone(),
            ..Default::default()
        };
        let subject = crate::pki::name::Subject {
            common_name: template.common_name.clone(),
            organization: template.organization.clone(),
            ..Default::default()
        };
        let csr_pem = match crate::pki::kubelet::make_csr_pem(&key, &subject, &sans) {
            Ok(p) => p,
            Err(e) => {
                ctx.io.error(format!(
                    "{name}: Unable to generate a certificate signing request: {name}: unable to create a csr from the private key: {e}",
                    name = self.name
                ));
                self.attempt_failed(ctx);
                return;
            }
        };
        let usages = match self.purpose {
            KeyPurpose::Serving => crate::pki::kubelet::serving_usages(key.public_key().kind()),
            _ => crate::pki::kubelet::rotation_client_usages(key.public_key().kind()),
        };
        let csr = super::request::certificate_signing_request(
            "",
            csr_pem.as_bytes(),
            self.signer,
            &usages,
        );
        let request = ctx.io.request(
            self.owner,
            ctx.credential.clone(),
            Operation::CreateCertificateSigningRequest(Box::new(csr)),
        );
        self.phase = Phase::Creating {
            request,
            key: Arc::new(key),
            template,
        };
    }

    pub(crate) fn on_reply(
        &mut self,
        ctx: &mut Ctx<'_>,
        id: RequestId,
        reply: Option<Reply>,
        error: Option<String>,
    ) {
        match &mut self.phase {
            Phase::Creating { request, .. } if *request == id => {}
            Phase::Waiting { waiter, .. } => {
                if waiter.owns_request(id) {
                    let step =
                        waiter.on_reply(ctx.io, self.owner, &ctx.credential, ctx.now, id, reply);
                    if let Step::Done(result) = step {
                        self.wait_done(ctx, result);
                    }
                }
                return;
            }
            _ => return,
        }
        let Phase::Creating { key, template, .. } =
            std::mem::replace(&mut self.phase, Phase::AwaitKey)
        else {
            return;
        };
        match reply {
            Some(Reply::CertificateSigningRequest { object, .. }) => {
                self.created(ctx, &object, key, template);
            }
            Some(Reply::Status(status)) => {
                ctx.io.error(format!(
                    "{}: Failed while requesting a signed certificate from the control plane: cannot create certificate signing request: {}",
                    self.name, status.message
                ));
                // updateServerError: Unauthorized → healthy (a TLS-terminating proxy may
                // answer it); NotFound and Forbidden are normal answers; anything else is not.
                self.server_healthy = matches!(
                    status.reason,
                    Some(
                        StatusReason::Unauthorized
                            | StatusReason::NotFound
                            | StatusReason::Forbidden
                    )
                );
                self.attempt_failed(ctx);
            }
            other => {
                let text = error.unwrap_or_else(|| format!("unexpected reply {other:?}"));
                ctx.io.error(format!(
                    "{}: Failed while requesting a signed certificate from the control plane: cannot create certificate signing request: {text}",
                    self.name
                ));
                self.server_healthy = false;
                self.attempt_failed(ctx);
            }
        }
    }

    fn created(
        &mut self,
        ctx: &mut Ctx<'_>,
        object: &CertificateSigningRequest,
        key: Arc<PrivateKey>,
        template: Template,
    ) {
        self.last_request = Some(template.clone());
        let waiter = Waiter::start(
            ctx.io,
            self.owner,
            &ctx.credential,
            object.metadata.name.clone(),
            object.metadata.uid.clone(),
            ctx.now + ROTATION_WAIT,
        );
        self.phase = Phase::Waiting {
            waiter,
            key,
            template,
        };
    }

    pub(crate) fn on_event(&mut self, ctx: &mut Ctx<'_>, watch: WatchId, event: &WatchEvent) {
        if let Phase::Waiting { waiter, .. } = &mut self.phase
            && waiter.owns_watch(watch)
            && let Step::Done(result) = waiter.on_event(ctx.io, event)
        {
            self.wait_done(ctx, result);
        }
    }

    pub(crate) fn on_watch_ended(&mut self, ctx: &mut Ctx<'_>, watch: WatchId) {
        if let Phase::Waiting { waiter, .. } = &mut self.phase {
            waiter.on_watch_ended(ctx.io, ctx.now, watch);
        }
    }

    fn wait_done(&mut self, ctx: &mut Ctx<'_>, result: Result<Vec<u8>, super::wait::WaitError>) {
        let Phase::Waiting { key, template, .. } =
            std::mem::replace(&mut self.phase, Phase::AwaitKey)
        else {
            return;
        };
        let cert_pem = match result {
            Ok(c) => c,
            Err(e) => {
                ctx.io.error(format!(
                    "{}: certificate request was not signed: {e}",
                    self.name
                ));
                self.attempt_failed(ctx);
                return;
            }
        };
        if let Err(why) = super::legacy::verify_issued(&cert_pem, &key, &template) {
            ctx.io.error(format!(
                "{}: refusing the issued certificate, it is not the one requested: {why}",
                self.name
            ));
            self.attempt_failed(ctx);
            return;
        }
        let key_pem = key.to_pem();
        let update = self.store.update(
            &ctx.io.disk,
            ctx.now.timestamp(),
            ctx.utc_offset_seconds,
            &cert_pem,
            key_pem.as_bytes(),
        );
        match update {
            Ok((ops, pair)) => {
                for op in ops {
                    ctx.io.file(op);
                }
                let pair = Arc::new(pair);
                self.cert = Some(pair.clone());
                self.server_healthy = true;
                ctx.io.outputs.push_back(Output::CertificateChanged {
                    purpose: self.purpose,
                    pair,
                });
                self.attempts = Some(0);
                self.phase = Phase::Loop(ctx.now + LOOP_PERIOD);
            }
            Err(e) => {
                ctx.io.error(format!(
                    "{}: Unable to store the new cert/key pair: {e}",
                    self.name
                ));
                self.attempt_failed(ctx);
            }
        }
    }

    /// `ExponentialBackoff` (2 s, ×2, jitter 0.1, 5 steps) then `PollInfinite(32 s)`.
    fn attempt_failed(&mut self, ctx: &mut Ctx<'_>) {
        let sleep = match self.attempts {
            None => POLL_INTERVAL,
            Some(done) => {
                let done = done + 1;
                if done >= BACKOFF_STEPS {
                    ctx.io.error(format!(
                        "{}: Reached backoff limit, still unable to rotate certs: timed out waiting for the condition",
                        self.name
                    ));
                    self.attempts = None;
                    POLL_INTERVAL
                } else {
                    self.attempts = Some(done);
                    rotation::backoff_sleep(done - 1, ctx.jitter.next_unit())
                }
            }
        };
        self.phase = Phase::Retry(ctx.now + sleep);
    }

    /// The template goroutine (dynamic templates only): a new template that the current
    /// certificate does not satisfy and that was not last requested cancels the wait in flight
    /// and interrupts the sleep.
    pub(crate) fn set_template(&mut self, ctx: &mut Ctx<'_>, template: Option<Template>) {
        self.template = template;
        if self.satisfies_template(ctx.io) || self.last_request == self.template {
            return;
        }
        match &mut self.phase {
            Phase::Waiting { waiter, .. } => {
                // lastRequestCancel(): the wait ends as a timeout; back-off continues with the
                // new template.
                waiter.stop(ctx.io);
                self.wait_done(ctx, Err(super::wait::WaitError::Timeout));
            }
            // The interrupt is read only while the loop sleeps; otherwise the loop's next
            // iteration sees the new template.
            Phase::Sleeping(_) if self.template.is_some() => {
                ctx.io.info(format!(
                    "{}: Certificate template changed, rotating",
                    self.name
                ));
                self.rotate(ctx);
            }
            _ => {}
        }
    }
}
