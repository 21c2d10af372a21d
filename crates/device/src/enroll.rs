//! Enrolment: server URL, user name and password in, a bearer token and a
//! device id kept in the store.
//!
//! A device that signs in again (after its token was revoked or expired)
//! presents its device id so it stays the same device: its queued events
//! carry that id and that author, and the server takes events only from the
//! token's own device and user. Signing in as someone else, or being handed a
//! new device id, while events still wait would strand them, so it is refused.
//! A device the office revoked for good starts again as a new device, but
//! only when nothing of the old one waits to be sent.

use gridsafe_core::Username;
use gridsafe_core::wire::LoginRequest;

use crate::api::{ApiError, Client, ClientOptions};
use crate::outbox;
use crate::reference;
use crate::store::{self, Enrollment, Store, keys};
use crate::sync::SyncError;

pub struct Credentials {
    pub server: String,
    pub user: String,
    pub password: String,
    /// How the office will see this device ("王五的手机").
    pub device_name: Option<String>,
}

pub fn enroll(
    store: &mut Store,
    creds: &Credentials,
    opts: &ClientOptions,
) -> Result<Enrollment, SyncError> {
    let server = creds.server.trim().trim_end_matches('/').to_string();
    if !(server.starts_with("http://") || server.starts_with("https://")) {
        return Err(SyncError::Usage(format!(
            "the server URL {server:?} must start with http:// or https://"
        )));
    }
    let previous = store.enrollment()?;
    let waiting = outbox::first_undecided(store.conn())?.is_some();
    if let (Some(prev), true) = (&previous, waiting) {
        let same_user = creds.user.parse::<Username>().is_ok_and(|u| u == prev.user);
        if !same_user {
            return Err(SyncError::Usage(format!(
                "records made by {} on this device are still waiting to be sent; sign in as {} (or sync them first)",
                prev.user, prev.user
            )));
        }
    }
    let client = Client::new(&server, None, opts)?;
    let login = |device_id| {
        client.login(&LoginRequest {
            username: creds.user.clone(),
            password: creds.password.clone(),
            device_id,
            device_name: creds.device_name.clone(),
        })
    };
    let resp = match login(previous.as_ref().map(|p| p.device)) {
        // The office signed this device out for good: with nothing waiting
        // it simply starts again as a new device.
        Err(ApiError::Refused { code, .. }) if code == "device_revoked" && !waiting => login(None)?,
        Err(ApiError::Refused { code, message, .. }) if code == "device_revoked" => {
            let n = outbox::counts(store.conn())?;
            return Err(SyncError::Usage(format!(
                "{message} ({code}); {} records made on this device have not reached the server and stay here (see `gridsafe-field list`); they cannot be sent under a new sign-in",
                n.pending + n.sent
            )));
        }
        other => other?,
    };
    if let (Some(prev), true) = (&previous, waiting)
        && prev.device != resp.device_id
    {
        return Err(SyncError::Usage(format!(
            "the server gave this device a new id ({}) while records made as {} still wait to be sent; ask the town office to restore the device",
            resp.device_id, prev.device
        )));
    }
    let enrollment = Enrollment {
        server: server.clone(),
        user: resp.user,
        role: resp.role,
        grids: resp.grids,
        device: resp.device_id,
        token: resp.token,
        expires_at: resp.expires_at,
    };
    {
        let tx = store.write()?;
        store::set_json(&tx, keys::ENROLLMENT, &enrollment)?;
        store::delete_meta(&tx, keys::AUTH_ERROR)?;
        tx.commit()?;
    }
    // The scope's grids and points, so records can be made offline at once.
    let authed = Client::new(&server, Some(enrollment.token.clone()), opts)?;
    refresh_reference(store, &authed)?;
    Ok(enrollment)
}

/// Replaces the local copy of the user's grids and monitoring points.
pub fn refresh_reference(store: &mut Store, client: &Client) -> Result<(), SyncError> {
    let grids = client.grids()?;
    let points = client.points()?;
    let tx = store.write()?;
    reference::replace_grids(&tx, &grids)?;
    reference::replace_points(&tx, &points)?;
    store::set_meta(&tx, keys::REFERENCE_AT, &chrono::Utc::now().to_rfc3339())?;
    tx.commit()?;
    Ok(())
}
