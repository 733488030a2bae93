//! kube-apiserver's `nodes` endpoints, as far as a kubelet's registration and `kubectl get nodes`
//! reach: the Node store, authorization (the Node authorizer's `authorizeNode`, then RBAC),
//! NodeRestriction's rules for Node objects ([`crate::node::admit`]), and the registry's 404/409.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use super::ControlPlane;
use crate::api::{GroupResource, Reply, Status};
use crate::csr::admission::node_name;
use crate::identity::UserInfo;
use crate::node::{self, Change, Node};
use crate::time::Instant;

const NODES: &str = "nodes";

/// The Nodes by name, with their own resourceVersion counter.
#[derive(Clone, Debug, Default)]
pub(super) struct Nodes {
    objects: BTreeMap<String, Node>,
    revision: u64,
}

impl Nodes {
    fn put(&mut self, mut object: Node) -> Node {
        self.revision += 1;
        object.metadata.resource_version = self.revision.to_string();
        self.objects
            .insert(object.metadata.name.clone(), object.clone());
        object
    }
}

impl ControlPlane {
    /// The stored Node `name`.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.objects.get(name)
    }

    /// Every stored Node, by name.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.objects.values()
    }

    /// `POST /api/v1/nodes`: authorize, NodeRestriction, store (uid, resourceVersion,
    /// creationTimestamp), or 409 when the name exists.
    pub(super) fn create_node(
        &mut self,
        now: Instant,
        user: &UserInfo,
        mut object: Node,
    ) -> Result<Reply, Reply> {
        let name = object.metadata.name.clone();
        self.authorize(user, "create", "", NODES, "", "")?;
        if let Some(node) = node_name(user) {
            node::admit(node, &name, Change::Create { new: &object })
                .map_err(|e| Reply::Status(e.into()))?;
        }
        if name.is_empty() {
            return Err(Reply::Status(Status::bad_request(
                "name or generateName is required",
            )));
        }
        if self.nodes.objects.contains_key(&name) {
            return Err(Reply::Status(Status::already_exists(
                &GroupResource::nodes(),
                &name,
            )));
        }
        object.kind = node::KIND.to_owned();
        object.api_version = node::API_VERSION.to_owned();
        object.metadata.uid = self.rng.uuid();
        object.metadata.creation_timestamp = Some(now.timestamp());
        let stored = self.nodes.put(object);
        Ok(Reply::Node {
            code: 201,
            object: Box::new(stored),
        })
    }

    /// `GET /api/v1/nodes/<name>`.
    pub(super) fn get_node(&self, user: &UserInfo, name: &str) -> Result<Reply, Reply> {
        self.authorize(user, "get", "", NODES, "", name)?;
        let object = self
            .nodes
            .objects
            .get(name)
            .ok_or_else(|| Reply::Status(Status::not_found(&GroupResource::nodes(), name)))?;
        Ok(Reply::Node {
            code: 200,
            object: Box::new(object.clone()),
        })
    }

    /// `GET /api/v1/nodes`.
    pub(super) fn list_nodes(&self, user: &UserInfo) -> Result<Reply, Reply> {
        self.authorize(user, "list", "", NODES, "", "")?;
        Ok(Reply::NodeList(
            self.nodes.objects.values().cloned().collect(),
        ))
    }

    /// `PUT /api/v1/nodes/<name>/status`: authorize, 404, resourceVersion precondition,
    /// NodeRestriction, then the status strategy: only `status` changes.
    pub(super) fn update_node_status(
        &mut self,
        user: &UserInfo,
        new: Node,
    ) -> Result<Reply, Reply> {
        let gr = GroupResource::nodes();
        let name = new.metadata.name.clone();
        self.authorize(user, "update", "", NODES, "status", &name)?;
        let old = self
            .nodes
            .objects
            .get(&name)
            .ok_or_else(|| Reply::Status(Status::not_found(&gr, &name)))?;
        let rv = &new.metadata.resource_version;
        if !rv.is_empty() && *rv != old.metadata.resource_version {
            return Err(Reply::Status(Status::conflict(&gr, &name)));
        }
        if let Some(node) = node_name(user) {
            node::admit(node, &name, Change::Update { new: &new, old })
                .map_err(|e| Reply::Status(e.into()))?;
        }
        let mut updated = old.clone();
        updated.status = new.status;
        let stored = self.nodes.put(updated);
        Ok(Reply::Node {
            code: 200,
            object: Box::new(stored),
        })
    }

    /// `DELETE /api/v1/nodes/<name>`.
    pub(super) fn delete_node(&mut self, user: &UserInfo, name: &str) -> Result<Reply, Reply> {
        let gr = GroupResource::nodes();
        self.authorize(user, "delete", "", NODES, "", name)?;
        let removed = self
            .nodes
            .objects
            .remove(name)
            .ok_or_else(|| Reply::Status(Status::not_found(&gr, name)))?;
        Ok(Reply::Status(Status::success(
            &gr,
            name,
            &removed.metadata.uid,
        )))
    }
}
