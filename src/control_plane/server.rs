//! kube-apiserver's side: authentication, authorization, admission, the registry strategies and
//! the store, per endpoint, in Kubernetes' order.
//!
//! Refusals travel as the `Reply` or `Status` the client receives: one per request, moved once
//! into the output queue, so their size does not matter.
#![allow(clippy::result_large_err)]

use super::{Component, ControlPlane, EventKind, Output, StorageChange, controllers::Task};
use crate::api::{
    Credential, EventType, GroupResource, Operation, Reply, Request, Selector, Status, WatchEvent,
    WatchId,
};
use crate::csr::validation::CertificateSource;
use crate::csr::{self, CertificateSigningRequest, CreateContext, Endpoint, admission};
use crate::identity::{self, UserInfo};
use crate::rbac::{Attributes, Authorize, Decision, NodeAuthorizer, Policy, forbidden_message};
use crate::time::Instant;
use std::sync::Arc;

const CSRS: &str = "certificatesigningrequests";

/// kube-apiserver's authorizer chain over a policy: `system:masters`, then the Node
/// authorizer, then RBAC; a refusal carries every authorizer's reason. Shells that answer some
/// requests themselves (the apiserver example's reviews and RBAC reads) authorize with it too.
#[derive(Clone, Copy, Debug)]
pub struct Authorizers<'a>(pub &'a Policy);

impl Authorize for Authorizers<'_> {
    fn authorize(&self, attributes: &Attributes) -> Decision {
        self.decide(attributes, || self.0.authorize(attributes))
    }
}

impl Authorizers<'_> {
    /// The chain's decision with `rbac` as the RBAC authorizer's (asked only when the chain gets
    /// that far): a caller that walked the policy already, for its explanation
    /// ([`Policy::explain`], whose decision is the walk's), passes that decision.
    pub(super) fn decide(
        &self,
        attributes: &Attributes,
        rbac: impl FnOnce() -> Decision,
    ) -> Decision {
        if is_privileged(&attributes.user) {
            return Decision::allow("");
        }
        let mut reasons = Vec::new();
        for decision in [NodeAuthorizer.authorize(attributes)] {
            match decision {
                decided @ (Decision::Allow { .. } | Decision::Deny { .. }) => return decided,
                Decision::NoOpinion { reason } if !reason.is_empty() => reasons.push(reason),
                Decision::NoOpinion { .. } => {}
            }
        }
        match rbac() {
            decided @ (Decision::Allow { .. } | Decision::Deny { .. }) => decided,
            Decision::NoOpinion { reason } => {
                if !reason.is_empty() {
                    reasons.push(reason);
                }
                Decision::no_opinion(reasons.join("\n"))
            }
        }
    }
}

impl ControlPlane {
    pub(super) fn handle_request(&mut self, now: Instant, request: Request) -> Reply {
        let user = match self.authenticate(now, &request.credential) {
            Ok(user) => user,
            Err(status) => return Reply::Status(status),
        };
        match self.serve(now, &user, request.operation) {
            Ok(reply) | Err(reply) => reply,
        }
    }

    fn serve(&mut self, now: Instant, user: &UserInfo, op: Operation) -> Result<Reply, Reply> {
        // Built only for a refusal.
        let gr = GroupResource::certificate_signing_requests;
        match op {
            Operation::CreateCertificateSigningRequest(object) => self.create(now, user, *object),
            Operation::GetCertificateSigningRequest { name } => {
                self.authorize(user, "get", csr::admission::GROUP, CSRS, "", &name)?;
                let stored = self
                    .store
                    .get(&name)
                    .ok_or_else(|| Reply::Status(Status::not_found(&gr(), &name)))?;
                Ok(Reply::CertificateSigningRequest {
                    code: 200,
                    object: Arc::clone(&stored.object),
                })
            }
            Operation::ListCertificateSigningRequests(selector) => {
                let name = selector.name.clone().unwrap_or_default();
                self.authorize(user, "list", csr::admission::GROUP, CSRS, "", &name)?;
                let items = self
                    .store
                    .iter()
                    .filter(|s| selects(&selector, &s.object))
                    .map(|s| CertificateSigningRequest::clone(&s.object))
                    .collect();
                let mut list = csr::CertificateSigningRequestList {
                    api_version: csr::API_VERSION.to_owned(),
                    kind: csr::LIST_KIND.to_owned(),
                    items,
                    ..Default::default()
                };
                list.metadata = Some(std::collections::BTreeMap::from([(
                    "resourceVersion".to_owned(),
                    serde_json::Value::String(self.store.revision().to_string()),
                )]));
                Ok(Reply::CertificateSigningRequestList(Box::new(list)))
            }
            Operation::WatchCertificateSigningRequests {
                selector,
                resource_version,
            } => {
                let name = selector.name.clone().unwrap_or_default();
                self.authorize(user, "watch", csr::admission::GROUP, CSRS, "", &name)?;
                let id = WatchId(self.next_watch);
                self.next_watch += 1;
                // Without a resourceVersion (or with "0") a watch starts with the current
                // state as ADDED events; with one, it replays what happened after that version
                // from the machine's recent history (410 Expired when it is older than that).
                match resource_version.as_deref() {
                    None | Some("" | "0") => {
                        for s in self.store.iter().filter(|s| selects(&selector, &s.object)) {
                            self.pending_watch_events.push(Output::Watch {
                                watch: id,
                                event: WatchEvent {
                                    type_: EventType::Added,
                                    object: Arc::clone(&s.object),
                                },
                            });
                        }
                    }
                    Some(rv) => {
                        let Ok(from) = rv.parse::<u64>() else {
                            return Err(Reply::Status(Status::bad_request(format!(
                                "invalid resource version: {}",
                                crate::go::quote(rv)
                            ))));
                        };
                        let replay = self.history.since(from).ok_or_else(|| {
                            Reply::Status(Status::expired(from, self.history.oldest()))
                        })?;
                        for (type_, object) in replay {
                            if selects(&selector, object) {
                                self.pending_watch_events.push(Output::Watch {
                                    watch: id,
                                    event: WatchEvent {
                                        type_: *type_,
                                        object: Arc::clone(object),
                                    },
                                });
                            }
                        }
                    }
                }
                self.watches.insert(id, selector);
                Ok(Reply::WatchOpened(id))
            }
            Operation::UpdateApproval(object) => {
                let object = self.update_as(
                    now,
                    user,
                    Endpoint::Approval,
                    object,
                    CertificateSource::Caller,
                )?;
                Ok(Reply::CertificateSigningRequest { code: 200, object })
            }
            Operation::UpdateStatus(object) => {
                let object = self.update_as(
                    now,
                    user,
                    Endpoint::Status,
                    object,
                    CertificateSource::Caller,
                )?;
                Ok(Reply::CertificateSigningRequest { code: 200, object })
            }
            Operation::DeleteCertificateSigningRequest { name } => {
                self.authorize(user, "delete", csr::admission::GROUP, CSRS, "", &name)?;
                let uid = self
                    .delete(now, &name)
                    .ok_or_else(|| Reply::Status(Status::not_found(&gr(), &name)))?;
                Ok(Reply::Status(Status::success(&gr(), &name, &uid)))
            }
            Operation::CreateClusterRole(role) => {
                let name = role.metadata.name.clone();
                let rgr = GroupResource::cluster_roles();
                self.authorize(
                    user,
                    "create",
                    crate::rbac::GROUP_NAME,
                    "clusterroles",
                    "",
                    "",
                )?;
                self.guard_cluster_role(user, &role)?;
                if self.config.policy.cluster_role(&name).is_some() {
                    return Err(Reply::Status(Status::already_exists(&rgr, &name)));
                }
                self.config.policy.add_cluster_role((*role).clone());
                self.policy_changed(now);
                Ok(Reply::ClusterRole {
                    code: 201,
                    object: role,
                })
            }
            Operation::DeleteClusterRole { name } => {
                let rgr = GroupResource::cluster_roles();
                self.authorize(
                    user,
                    "delete",
                    crate::rbac::GROUP_NAME,
                    "clusterroles",
                    "",
                    &name,
                )?;
                let removed = self.config.policy.remove_cluster_role(&name);
                let removed =
                    removed.ok_or_else(|| Reply::Status(Status::not_found(&rgr, &name)))?;
                self.policy_changed(now);
                Ok(Reply::Status(Status::success(
                    &rgr,
                    &name,
                    &removed.metadata.uid,
                )))
            }
            Operation::CreateClusterRoleBinding(binding) => {
                let name = binding.metadata.name.clone();
                let rgr = GroupResource::cluster_role_bindings();
                self.authorize(
                    user,
                    "create",
                    crate::rbac::GROUP_NAME,
                    "clusterrolebindings",
                    "",
                    "",
                )?;
                self.guard_cluster_role_binding(user, &binding)?;
                let exists = self
                    .config
                    .policy
                    .cluster_role_bindings()
                    .iter()
                    .any(|b| b.metadata.name == name);
                if exists {
                    return Err(Reply::Status(Status::already_exists(&rgr, &name)));
                }
                self.config
                    .policy
                    .add_cluster_role_binding((*binding).clone());
                self.policy_changed(now);
                Ok(Reply::ClusterRoleBinding {
                    code: 201,
                    object: binding,
                })
            }
            Operation::CreateNode(node) => self.create_node(now, user, *node),
            Operation::GetNode { name } => self.get_node(user, &name),
            Operation::ListNodes => self.list_nodes(user),
            Operation::UpdateNodeStatus(node) => self.update_node_status(user, *node),
            Operation::DeleteNode { name } => self.delete_node(user, &name),
            Operation::DeleteClusterRoleBinding { name } => {
                let rgr = GroupResource::cluster_role_bindings();
                self.authorize(
                    user,
                    "delete",
                    crate::rbac::GROUP_NAME,
                    "clusterrolebindings",
                    "",
                    &name,
                )?;
                let removed = self.config.policy.remove_cluster_role_binding(&name);
                let removed =
                    removed.ok_or_else(|| Reply::Status(Status::not_found(&rgr, &name)))?;
                self.policy_changed(now);
                Ok(Reply::Status(Status::success(
                    &rgr,
                    &name,
                    &removed.metadata.uid,
                )))
            }
        }
    }

    /// The authentication filter: client certificate (when a client CA is configured), bearer
    /// token, then anonymous. Failures are 401 `Unauthorized`; the reason goes to an event.
    fn authenticate(
        &mut self,
        now: Instant,
        credential: &Credential,
    ) -> Result<Arc<UserInfo>, Status> {
        let refused = |cp: &mut Self, message: String| {
            cp.event(
                now,
                Component::ApiServer,
                EventKind::AuthenticationFailed,
                "",
                "",
                message,
            );
            Status::unauthorized()
        };
        match credential {
            Credential::BearerToken(token) => {
                match self.config.authenticator.authenticate_token_shared(
                    token,
                    now.timestamp(),
                    &mut self.token_users,
                ) {
                    Some(user) => Ok(user),
                    None => Err(refused(self, identity::INVALID_BEARER_TOKEN.to_owned())),
                }
            }
            // Without a client CA bundle there is no x509 authenticator in the chain.
            Credential::ClientCertificate(_) if self.config.client_ca.is_empty() => {
                self.anonymous()
            }
            Credential::ClientCertificate(chain) => {
                match super::x509::authenticate_client_certificate(
                    chain,
                    &self.config.client_ca,
                    now,
                ) {
                    Ok(Some(user)) => Ok(Arc::new(user)),
                    Ok(None) => self.anonymous(),
                    Err(e) => Err(refused(self, e.to_string())),
                }
            }
            _ => self.anonymous(),
        }
    }

    fn anonymous(&self) -> Result<Arc<UserInfo>, Status> {
        if self.config.anonymous {
            Ok(Arc::clone(&self.anonymous_user))
        } else {
            Err(Status::unauthorized())
        }
    }

    /// The authorization filter: 403 with Kubernetes' message when the chain does not allow.
    pub(super) fn authorize(
        &self,
        user: &UserInfo,
        verb: &str,
        group: &str,
        resource: &str,
        subresource: &str,
        name: &str,
    ) -> Result<(), Reply> {
        // The privileged-group authorizer comes first in the chain and allows everything to
        // system:masters: answer without building the request attributes.
        if is_privileged(user) {
            return Ok(());
        }
        let mut attributes = Attributes::resource(user.clone(), verb, group, resource);
        if !subresource.is_empty() {
            attributes = attributes.with_subresource(subresource);
        }
        if !name.is_empty() {
            attributes = attributes.with_name(name);
        }
        let decision = Authorizers(&self.config.policy).authorize(&attributes);
        if decision.is_allowed() {
            return Ok(());
        }
        let gr = GroupResource::new(group, resource);
        Err(Reply::Status(Status::forbidden(
            &gr,
            name,
            forbidden_message(&attributes, decision.reason()),
        )))
    }

    /// POST: authorize, NodeRestriction (mutating admission, before the name is generated), the
    /// create strategy and validation, CertificateSubjectRestriction (validating admission),
    /// store.
    fn create(
        &mut self,
        now: Instant,
        user: &UserInfo,
        object: CertificateSigningRequest,
    ) -> Result<Reply, Reply> {
        let gr = GroupResource::certificate_signing_requests;
        self.authorize(user, "create", csr::admission::GROUP, CSRS, "", "")?;
        admission::node_restriction(user, &object).map_err(|e| Reply::Status(e.into()))?;
        // generateName collisions are retried with a new suffix, as kube-apiserver does since
        // v1.32 (RetryGenerateName); a name the client chose is never retried.
        let mut attempts = 0;
        let (created, request) = loop {
            let ctx = CreateContext {
                requester: user,
                now: now.timestamp(),
                uid: self.rng.uuid(),
                name_suffix: self.rng.name_suffix(),
            };
            let (created, request) = csr::strategy::create_parsed(object.clone(), &ctx)
                .map_err(|e| Reply::Status(e.into()))?;
            attempts += 1;
            let generated = object.metadata.name.is_empty();
            if !self.store.contains(&created.metadata.name) {
                break (created, request);
            }
            if !generated || attempts >= 8 {
                return Err(Reply::Status(Status::already_exists(
                    &gr(),
                    &created.metadata.name,
                )));
            }
        };
        admission::subject_restriction(&created).map_err(|e| Reply::Status(e.into()))?;
        let digest = request.verified_digest();
        // The controllers read this request next: they take it parsed (see `parsed_request`).
        self.last_request = Some((digest, Arc::new(request)));
        let written = self.store.create(created, digest, now);
        self.outputs
            .push_back(Output::Stored(StorageChange::Created {
                name: written.object.metadata.name.clone(),
                resource_version: written.resource_version,
            }));
        self.notify(EventType::Added, &written.object, written.resource_version);
        self.object_changed(now, &written);
        Ok(Reply::CertificateSigningRequest {
            code: 201,
            object: written.object,
        })
    }

    /// PUT `/approval` or `/status` as `user` (a client or a controller): authorize the
    /// subresource, resourceVersion precondition, the endpoint's strategy and validation
    /// (without verifying the request again, nor parsing a certificate the in-process signer
    /// just issued: `certificate` says where `status.certificate` comes from),
    /// CertificateApproval or CertificateSigning admission, store.
    ///
    /// `new` stays boxed until it is stored: the strategy works on it in place.
    pub(super) fn update_as(
        &mut self,
        now: Instant,
        user: &UserInfo,
        endpoint: Endpoint,
        mut new: Box<CertificateSigningRequest>,
        certificate: CertificateSource,
    ) -> Result<Arc<CertificateSigningRequest>, Reply> {
        let gr = GroupResource::certificate_signing_requests;
        self.authorize(
            user,
            "update",
            csr::admission::GROUP,
            CSRS,
            endpoint.subresource(),
            &new.metadata.name,
        )?;
        let policy = &self.config.policy;
        let name = new.metadata.name.clone();
        let written = self.store.update(&name, now, |old| {
            let conflict = || Reply::Status(Status::conflict(&gr(), &new.metadata.name));
            let rv = &new.metadata.resource_version;
            if !rv.is_empty() && *rv != old.object.metadata.resource_version {
                return Err(conflict());
            }
            if !new.metadata.uid.is_empty() && new.metadata.uid != old.object.metadata.uid {
                // The registry's UID precondition.
                return Err(conflict());
            }
            // The store holds only objects made by create validation with their request
            // verified, and no update changes a stored spec: an unchanged spec is not
            // validated again.
            csr::strategy::update_stored(
                endpoint,
                &mut new,
                &old.object,
                now.timestamp(),
                certificate,
            )
            .map_err(|e| Reply::Status(e.into()))?;
            let authorizer = Authorizers(policy);
            // Admission asks the same chain, which allows system:masters at once.
            match endpoint {
                Endpoint::Approval => admission::approval(&authorizer, user, &old.object),
                Endpoint::Status => admission::signing(&authorizer, user, &new, &old.object),
                Endpoint::Main => Ok(()),
            }
            .map_err(|e| Reply::Status(e.into()))?;
            // Validation refused a changed name: the updated `new` replaces `old` under its name.
            Ok(new)
        });
        let written = written.ok_or_else(|| Reply::Status(Status::not_found(&gr(), &name)))??;
        self.outputs
            .push_back(Output::Stored(StorageChange::Updated {
                name,
                resource_version: written.resource_version,
            }));
        self.notify(
            EventType::Modified,
            &written.object,
            written.resource_version,
        );
        self.object_changed(now, &written);
        Ok(written.object)
    }

    /// Removes `name`; returns its uid.
    pub(super) fn delete(&mut self, now: Instant, name: &str) -> Option<String> {
        let removed = self.store.remove(name)?;
        self.outputs
            .push_back(Output::Stored(StorageChange::Deleted {
                name: name.to_owned(),
            }));
        let uid = removed.object.metadata.uid.clone();
        let revision = self.store.revision();
        self.notify(EventType::Deleted, &removed.object, revision);
        self.tickets.forget_uid(&uid);
        self.timers.forget_object(name);
        let _ = now;
        Some(uid)
    }

    fn notify(&mut self, type_: EventType, object: &Arc<CertificateSigningRequest>, revision: u64) {
        self.history.record(revision, type_, object);
        for (id, selector) in &self.watches {
            if selects(selector, object) {
                self.outputs.push_back(Output::Watch {
                    watch: *id,
                    event: WatchEvent {
                        type_,
                        object: Arc::clone(object),
                    },
                });
            }
        }
    }

    /// An RBAC change: every pending request is looked at again by the approver (the real
    /// approver retries on its back-off; a policy change makes the retry succeed sooner here
    /// only through that same back-off, so nothing is scheduled early).
    fn policy_changed(&mut self, now: Instant) {
        let _ = now;
        self.outputs
            .push_back(Output::Stored(StorageChange::Policy));
    }

    /// The informers see a change after the configured lag; the controllers that could act on
    /// it then look (no approver, or no signer for its signer name: nothing to schedule).
    fn object_changed(&mut self, now: Instant, written: &super::store::Written) {
        let at = now + self.config.informer_lag;
        let name = &written.object.metadata.name;
        let approve = self.config.approver != super::ApproverMode::None
            && written.lifecycle.approver_should_act();
        let sign = written.lifecycle.signer_should_act()
            && self
                .config
                .signers
                .iter()
                .any(|s| s.signer.name() == written.object.spec.signer_name);
        if approve {
            self.timers.schedule(Task::Approve(name.to_owned()), at);
        }
        if sign {
            self.timers.schedule(Task::Sign(name.to_owned()), at);
        }
    }

    pub(super) fn flush_watch_opened(&mut self) {
        self.outputs.extend(self.pending_watch_events.drain(..));
    }
}

pub(super) fn is_privileged(user: &UserInfo) -> bool {
    user.groups
        .iter()
        .any(|g| g == identity::SYSTEM_PRIVILEGED_GROUP)
}

fn selects(selector: &Selector, object: &CertificateSigningRequest) -> bool {
    selector
        .name
        .as_ref()
        .is_none_or(|n| *n == object.metadata.name)
}
