//! The legacy path's request and wait (`LoadClientCert` from the key on): create the
//! `node-csr-` CSR, reuse a compatible existing one, wait up to an hour, store the pair, delete
//! the tmp key and write the kubeconfig. Every failure is the process's exit text.

use std::sync::Arc;

use super::files::FileOperation;
use super::io::{Io, Owner};
use super::request::{certificate_signing_request, ensure_compatible};
use super::rotation::{LEGACY_WAIT, Template};
use super::store::{Pair, Store};
use super::waiter::{Step, Waiter};
use super::{KeyPurpose, Output};
use crate::api::{Credential, Operation, Reply, RequestId, StatusReason, WatchEvent, WatchId};
use crate::csr::CertificateSigningRequest;
use crate::kubeconfig::{ClientConfig, Kubeconfig};
use crate::pki::certificate::parse_certificates_pem;
use crate::pki::{PrivateKey, kubelet as pki_kubelet, name::Subject};
use crate::time::Instant;

/// The tmp key file's name in the certificate directory.
pub(crate) const TMP_KEY_FILE: &str = "kubelet-client.key.tmp";

#[derive(Debug)]
enum Phase {
    AwaitKey,
    Creating(RequestId),
    Getting(RequestId),
    Waiting(Waiter),
    Finished,
}

#[derive(Debug)]
pub(crate) struct Legacy {
    pub(crate) node_name: String,
    pub(crate) bootstrap: ClientConfig,
    pub(crate) credential: Credential,
    pub(crate) store: Store,
    pub(crate) tmp_key_path: String,
    pub(crate) kubeconfig_path: String,
    pub(crate) utc_offset_seconds: i32,
    key: Option<Arc<PrivateKey>>,
    ours: Option<CertificateSigningRequest>,
    phase: Phase,
    /// The process's exit text, once it failed.
    pub(crate) failed: Option<String>,
    /// The stored pair, once it succeeded.
    pub(crate) done: Option<Arc<Pair>>,
}

impl Legacy {
    pub(crate) fn new(
        node_name: String,
        bootstrap: ClientConfig,
        credential: Credential,
        store: Store,
        kubeconfig_path: String,
        utc_offset_seconds: i32,
    ) -> Self {
        let tmp_key_path = super::files::join(&store.cert_directory, TMP_KEY_FILE);
        Self {
            node_name,
            bootstrap,
            credential,
            store,
            tmp_key_path,
            kubeconfig_path,
            utc_offset_seconds,
            key: None,
            ours: None,
            phase: Phase::AwaitKey,
            failed: None,
            done: None,
        }
    }

    pub(crate) fn timeout(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Waiting(w) => Some(w.timeout()),
            _ => None,
        }
    }

    /// Asks for a key (none was found); it will be written to the tmp key file.
    pub(crate) fn request_key(&mut self, io: &mut Io) {
        io.outputs
            .push_back(Output::GenerateKey(KeyPurpose::LegacyClient));
        self.phase = Phase::AwaitKey;
    }

    pub(crate) fn on_key(&mut self, io: &mut Io, now: Instant, key: PrivateKey) {
        if !matches!(self.phase, Phase::AwaitKey) || self.key.is_some() {
            return;
        }
        // keyutil.WriteKey: MkdirAll(dir, 0755), then the file with 0600.
        io.file(FileOperation::CreateDirectory {
            path: self.store.cert_directory.clone(),
            mode: super::store::DIRECTORY_MODE,
        });
        io.file(FileOperation::WriteFile {
            path: self.tmp_key_path.clone(),
            mode: 0o600,
            contents: key.to_pem().into_bytes(),
        });
        self.use_key(io, now, key);
    }

    /// `requestNodeCertificate` with the key: build the CSR and create it under its digest
    /// name.
    pub(crate) fn use_key(&mut self, io: &mut Io, _now: Instant, key: PrivateKey) {
        let csr_pem = match pki_kubelet::client_csr_pem(&key, &self.node_name) {
            Ok(p) => p,
            Err(e) => {
                self.fail(format!("unable to generate certificate request: {e}"));
                return;
            }
        };
        let usages = pki_kubelet::client_usages(key.public_key().kind());
        let name = crate::pki::node_csr_name(
            &key.public_key().marshal_pkix_der(),
            &Subject::kubelet(&self.node_name),
            &usages,
        );
        let csr = certificate_signing_request(
            &name,
            csr_pem.as_bytes(),
            crate::pki::signers::KUBE_APISERVER_CLIENT_KUBELET,
            &usages,
        );
        let id = io.request(
            Owner::Legacy,
            self.credential.clone(),
            Operation::CreateCertificateSigningRequest(Box::new(csr.clone())),
        );
        self.ours = Some(csr);
        self.key = Some(Arc::new(key));
        self.phase = Phase::Creating(id);
    }

    pub(crate) fn on_reply(
        &mut self,
        io: &mut Io,
        now: Instant,
        id: RequestId,
        reply: Option<Reply>,
        error: Option<String>,
    ) {
        let error_text = |reply: &Option<Reply>| match reply {
            Some(Reply::Status(s)) => s.message.clone(),
            Some(other) => format!("unexpected reply {other:?}"),
            None => error.clone().unwrap_or_default(),
        };
        match &mut self.phase {
            Phase::Creating(r) if *r == id => match reply {
                Some(Reply::CertificateSigningRequest { object, .. }) => {
                    self.wait(io, now, &object);
                }
                Some(Reply::Status(s)) if s.reason == Some(StatusReason::AlreadyExists) => {
                    io.info("csr for this node already exists, reusing".to_owned());
                    let name = self
                        .ours
                        .as_ref()
                        .map(|c| c.metadata.name.clone())
                        .unwrap_or_default();
                    let get = io.request(
                        Owner::Legacy,
                        self.credential.clone(),
                        Operation::GetCertificateSigningRequest { name },
                    );
                    self.phase = Phase::Getting(get);
                }
                other => {
                    let text = error_text(&other);
                    self.fail(format!("cannot create certificate signing request: {text}"));
                }
            },
            Phase::Getting(r) if *r == id => match reply {
                Some(Reply::CertificateSigningRequest { object, .. }) => {
                    let (Some(ours), Some(key)) = (&self.ours, &self.key) else {
                        return;
                    };
                    match ensure_compatible(&object, ours, key.public_key(), now.timestamp()) {
                        Ok(()) => {
                            io.info("csr for this node is still valid".to_owned());
                            self.wait(io, now, &object);
                        }
                        Err(e) => self.fail(format!("retrieved csr is not compatible: {e}")),
                    }
                }
                other => {
                    let text = error_text(&other);
                    self.fail(format!(
                        "cannot retrieve certificate signing request: {text}"
                    ));
                }
            },
            Phase::Waiting(w) if w.owns_request(id) => {
                let step = w.on_reply(io, Owner::Legacy, &self.credential, now, id, reply);
                self.step(io, now, step);
            }
            _ => {}
        }
    }

    fn wait(&mut self, io: &mut Io, now: Instant, object: &CertificateSigningRequest) {
        io.info("Waiting for client certificate to be issued".to_owned());
        let w = Waiter::start(
            io,
            Owner::Legacy,
            &self.credential,
            object.metadata.name.clone(),
            object.metadata.uid.clone(),
            now + LEGACY_WAIT,
        );
        self.phase = Phase::Waiting(w);
    }

    pub(crate) fn on_event(
        &mut self,
        io: &mut Io,
        now: Instant,
        watch: WatchId,
        event: &WatchEvent,
    ) {
        if let Phase::Waiting(w) = &mut self.phase
            && w.owns_watch(watch)
        {
            let step = w.on_event(io, event);
            self.step(io, now, step);
        }
    }

    pub(crate) fn on_watch_ended(&mut self, io: &mut Io, now: Instant, watch: WatchId) {
        if let Phase::Waiting(w) = &mut self.phase {
            w.on_watch_ended(io, now, watch);
        }
    }

    pub(crate) fn on_timer(&mut self, io: &mut Io, now: Instant) {
        if let Phase::Waiting(w) = &mut self.phase {
            let step = w.on_timer(io, Owner::Legacy, &self.credential, now);
            self.step(io, now, step);
        }
    }

    fn step(&mut self, io: &mut Io, now: Instant, step: Step) {
        match step {
            Step::Continue => {}
            Step::Done(Err(e)) => self.fail(e.to_string()),
            Step::Done(Ok(cert_pem)) => self.issued(io, now, &cert_pem),
        }
    }

    /// Store the pair, remove the tmp key, write the kubeconfig.
    fn issued(&mut self, io: &mut Io, now: Instant, cert_pem: &[u8]) {
        let Some(key) = self.key.clone() else {
            return;
        };
        if let Err(why) = verify_issued(cert_pem, &key, &Template::client(&self.node_name)) {
            self.fail(format!(
                "refusing the issued certificate, it is not the one requested: {why}"
            ));
            return;
        }
        let update = self.store.update(
            &io.disk,
            now.timestamp(),
            self.utc_offset_seconds,
            cert_pem,
            key.to_pem().as_bytes(),
        );
        let (ops, pair) = match update {
            Ok(u) => u,
            Err(e) => {
                self.fail(e.to_string());
                return;
            }
        };
        for op in ops {
            io.file(op);
        }
        io.file(FileOperation::Remove {
            path: self.tmp_key_path.clone(),
        });
        write_kubeconfig(
            io,
            &self.bootstrap,
            &self.kubeconfig_path,
            &self.store.current_path(),
        );
        self.phase = Phase::Finished;
        self.done = Some(Arc::new(pair));
    }

    fn fail(&mut self, text: String) {
        self.phase = Phase::Finished;
        self.failed = Some(text);
    }
}

/// `writeKubeconfigFromBootstrapping` + `clientcmd.WriteToFile`: the directory (0755), then the
/// file (0600).
pub(crate) fn write_kubeconfig(io: &mut Io, bootstrap: &ClientConfig, path: &str, pem_path: &str) {
    let yaml = Kubeconfig::after_bootstrap(bootstrap, pem_path).to_yaml();
    if let Some((dir, _)) = path.rsplit_once('/')
        && !dir.is_empty()
    {
        io.file(FileOperation::CreateDirectory {
            path: dir.to_owned(),
            mode: 0o755,
        });
    }
    io.file(FileOperation::WriteFile {
        path: path.to_owned(),
        mode: 0o600,
        contents: yaml.into_bytes(),
    });
}

/// Beyond Kubernetes: the issued chain's leaf must carry `key`'s public key and the requested
/// subject (CN equal, every requested O present), and every requested SAN.
pub(crate) fn verify_issued(
    cert_pem: &[u8],
    key: &PrivateKey,
    template: &Template,
) -> Result<(), String> {
    let certs = parse_certificates_pem(cert_pem).map_err(|e| format!("status.certificate: {e}"))?;
    let leaf = certs
        .first()
        .ok_or_else(|| "status.certificate holds no certificate".to_owned())?;
    if leaf.public_key().marshal_pkix_der() != key.public_key().marshal_pkix_der() {
        return Err(
            "the leaf certificate does not carry the public key of this request".to_owned(),
        );
    }
    template.satisfied_by(leaf)
}
