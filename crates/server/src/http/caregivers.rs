//! Caregivers over REST. A seeker invites a family member or carer
//! (`POST /api/caregivers/invitations` → a one-time code, shown once),
//! lists and cancels their open invitations, lists their caregivers with
//! every look each took, lets one see volunteers' names or not, and
//! removes one (`DELETE /api/caregivers/{id}`, at once: every caregiver
//! read goes through the stored link, so it holds on every node). A
//! caregiver redeems a code (`POST /api/caregiving/redeem`) and looks in
//! (`GET /api/caregiving`), which records a view for each seeker shown.
//!
//! Codes are 10 characters from an alphabet without look-alikes, drawn
//! from the operating system's generator; only their SHA-256 is stored
//! (a copy of the database redeems nothing), and a plain hash is enough
//! because a code has ~49 bits of entropy and lives seven days.

use super::error::ApiError;
use super::{AnyUser, AuthUser, JsonBody};
use crate::app::App;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use helpline_core::caregiving::{
    CODE_ALPHABET, CODE_LEN, Caregiver, INVITATION_TTL, Invitation, Link, MAX_PENDING_INVITATIONS,
    SUMMARY_WINDOW, SeekerSummary, VIEWS_LISTED, display_code, redeem_body, show_names_body,
};
use helpline_core::input::Fields;
use helpline_core::permissions::{RoleAction, require_role};
use helpline_core::{DomainError, InvitationId, Timestamp, UserId};
use helpline_store::{NewInvitation, Redeemed};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// A fresh code: [`CODE_LEN`] characters of [`CODE_ALPHABET`], uniformly.
fn new_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// What is stored of a code (already read by `read_code`).
fn code_hash(code: &str) -> String {
    Sha256::digest(code.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `POST /api/caregivers/invitations`'s answer: the code, shown this once.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewCode {
    /// The invitation's id (to cancel it).
    id: InvitationId,
    /// The code, as `ABCDE-23456` (case, spaces and dashes are ignored
    /// when it is typed).
    code: String,
    /// When it stops working.
    expires_at: Timestamp,
}

/// `POST /api/caregivers/invitations` (seekers): a one-time code valid for
/// seven days. `409 conflict` past five open invitations.
pub async fn invite(
    State(app): State<App>,
    AuthUser(user): AuthUser,
) -> Result<(StatusCode, Json<NewCode>), ApiError> {
    require_role(user.role, RoleAction::InviteCaregivers)?;
    let now = app.clock.now();
    let code = new_code();
    let invitation = app
        .store
        .create_invitation(
            &NewInvitation {
                id: InvitationId::generate(),
                seeker: user.id.clone(),
                code_hash: code_hash(&code),
                now,
                expires_at: now.plus(INVITATION_TTL),
            },
            MAX_PENDING_INVITATIONS,
        )
        .await?;
    tracing::info!(seeker = %user.id, invitation = %invitation.id, "caregiver invited");
    Ok((
        StatusCode::CREATED,
        Json(NewCode {
            id: invitation.id,
            code: display_code(&code),
            expires_at: invitation.expires_at,
        }),
    ))
}

/// `GET /api/caregivers/invitations` (seekers): open invitations, newest
/// first (without their codes, which are not kept).
pub async fn invitations(
    State(app): State<App>,
    AuthUser(user): AuthUser,
) -> Result<Json<Vec<Invitation>>, ApiError> {
    require_role(user.role, RoleAction::InviteCaregivers)?;
    Ok(Json(
        app.store
            .pending_invitations(&user.id, app.clock.now())
            .await?,
    ))
}

/// `DELETE /api/caregivers/invitations/{id}` (seekers): the code stops
/// working. `404` unless it is theirs and not yet redeemed.
pub async fn cancel(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    require_role(user.role, RoleAction::InviteCaregivers)?;
    if app
        .store
        .cancel_invitation(&user.id, &InvitationId::from_trusted(id))
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(DomainError::NotFound("no such open invitation").into())
    }
}

/// `GET /api/caregivers` (seekers): each caregiver, longest linked first,
/// with how often and (the latest 100) when they looked.
pub async fn caregivers(
    State(app): State<App>,
    AuthUser(user): AuthUser,
) -> Result<Json<Vec<Caregiver>>, ApiError> {
    require_role(user.role, RoleAction::InviteCaregivers)?;
    Ok(Json(app.store.caregivers_of(&user.id, VIEWS_LISTED).await?))
}

/// The caregiver `id` of seeker `seeker`, after a change.
async fn caregiver_of(app: &App, seeker: &UserId, id: &UserId) -> Result<Caregiver, ApiError> {
    app.store
        .caregivers_of(seeker, VIEWS_LISTED)
        .await?
        .into_iter()
        .find(|c| &c.caregiver_id == id)
        .ok_or_else(|| DomainError::NotFound("no such caregiver").into())
}

/// `PUT /api/caregivers/{caregiverId} {"showVolunteerNames"}` (seekers):
/// whether this caregiver sees the names of the volunteers they talk to.
pub async fn update(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Caregiver>, ApiError> {
    require_role(user.role, RoleAction::InviteCaregivers)?;
    let show = show_names_body(&Fields::of(&body)?)?;
    let id = UserId::from_trusted(id);
    if !app
        .store
        .set_show_volunteer_names(&user.id, &id, show)
        .await?
    {
        return Err(DomainError::NotFound("no such caregiver").into());
    }
    caregiver_of(&app, &user.id, &id).await.map(Json)
}

/// `DELETE /api/caregivers/{caregiverId}` (seekers): the caregiver sees
/// nothing more, from this moment, on every node.
pub async fn remove(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    require_role(user.role, RoleAction::InviteCaregivers)?;
    let id = UserId::from_trusted(id);
    if app.store.remove_caregiver(&user.id, &id).await? {
        tracing::info!(seeker = %user.id, caregiver = %id, "caregiver removed");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(DomainError::NotFound("no such caregiver").into())
    }
}

/// `POST /api/caregiving/redeem {"code"}` (caregivers): links them to the
/// seeker who made the code. `404 not_found` for an unknown (or cancelled)
/// code, `410 code_expired`, `409 code_used`, `409 conflict` when already
/// linked to that seeker; nothing changes on any of them.
pub async fn redeem(
    State(app): State<App>,
    AnyUser(user): AnyUser,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Link>), ApiError> {
    require_role(user.role, RoleAction::GiveCare)?;
    let code = redeem_body(&Fields::of(&body)?)?;
    match app
        .store
        .redeem_invitation(&code_hash(&code), &user.id, app.clock.now())
        .await?
    {
        Redeemed::Linked(link) => {
            tracing::info!(seeker = %link.seeker_id, caregiver = %user.id, "caregiver linked");
            Ok((StatusCode::CREATED, Json(link)))
        }
        Redeemed::NoSuchCode => Err(DomainError::NotFound("no invitation has this code").into()),
        Redeemed::Expired => Err(DomainError::CodeExpired.into()),
        Redeemed::Used => Err(DomainError::CodeUsed.into()),
        Redeemed::AlreadyLinked => {
            Err(DomainError::Conflict("you already look in on this person").into())
        }
    }
}

/// `GET /api/caregiving` (caregivers): for each seeker who invited them
/// (by name), last contact, this week's chats and calls, open alerts.
/// Records one view per seeker shown.
pub async fn caregiving(
    State(app): State<App>,
    AnyUser(user): AnyUser,
) -> Result<Json<Vec<SeekerSummary>>, ApiError> {
    require_role(user.role, RoleAction::GiveCare)?;
    let now = app.clock.now();
    Ok(Json(
        app.store
            .look_in(&user.id, now, now.minus(SUMMARY_WINDOW))
            .await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_drawn_from_the_alphabet_and_read_back() {
        let codes: std::collections::HashSet<String> = (0..200).map(|_| new_code()).collect();
        assert_eq!(codes.len(), 200, "no repeats");
        for code in &codes {
            assert_eq!(code.len(), CODE_LEN);
            let shown = display_code(code);
            assert_eq!(
                helpline_core::caregiving::read_code(&shown.to_lowercase()).ok(),
                Some(code.clone())
            );
            assert_eq!(code_hash(code).len(), 64);
        }
    }
}
