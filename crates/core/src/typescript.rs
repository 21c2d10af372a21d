//! The TypeScript declarations of the types the UI exchanges with Rust,
//! generated with ts-rs into one file so the UI never re-declares them.

use ts_rs::{Config, TS};

macro_rules! declare {
    ($cfg:expr, $out:expr, $($t:ty),+ $(,)?) => {
        $(
            $out.push_str("export ");
            $out.push_str(&<$t as TS>::decl($cfg));
            $out.push_str("\n\n");
        )+
    };
}

/// The contents of `ui/shared/generated/types.ts`.
pub fn typescript() -> String {
    use crate::access::Scope;
    use crate::assessment::{
        AccidentFact, Deduction, DeductionKind, Grade, GridAssessment, Veto, VetoRule,
    };
    use crate::event::*;
    use crate::grid::GridNode;
    use crate::hazard::{Confirmation, HazardState, Step, Superseded, SupersededEvent};
    use crate::hlc::Hlc;
    use crate::ids::*;
    use crate::keys::*;
    use crate::location::{Location, LocationSource};
    use crate::point::{LastCheck, MonitoringPoint, PointDuty};
    use crate::reading::ReadingValue;
    use crate::task::{QuarterCoverage, TargetState, TaskState};
    use crate::validate::{FieldError, Reason, Warning};
    use crate::wire::*;

    let cfg = Config::new().with_large_int("number");
    let mut out =
        String::from("// Generated from crates/core by `scripts/generate`; do not edit.\n\n");
    declare!(
        &cfg,
        out,
        EventId,
        HazardId,
        CheckId,
        AccidentId,
        TaskId,
        MeetingId,
        BanquetId,
        PromiseId,
        DutyId,
        DeviceId,
        GridCode,
        PointCode,
        Username,
        PhotoHash,
        Lang,
        Sector,
        HazardLevel,
        HazardStatus,
        PointKind,
        Verdict,
        Role,
        GridLevel,
        TaskKind,
        TaskStatus,
        ChecklistItem,
        ItemResult,
        BannedDish,
        PromiseKind,
        EventKind,
        Superseded,
        Hlc,
        Location,
        LocationSource,
        ReadingValue,
        Event,
        EventBody,
        HazardReported,
        HazardConfirmed,
        RectificationStarted,
        RectificationSubmitted,
        RectificationVerified,
        RectificationSentBack,
        HazardRejected,
        HazardReopened,
        HazardListed,
        HazardClosed,
        CheckLogged,
        AccidentReported,
        AccidentImpactJudged,
        TaskTarget,
        TaskCreated,
        ItemOutcome,
        TaskCheckRecorded,
        MeetingRecorded,
        BanquetFiled,
        PromiseSigned,
        DutyStarted,
        DutyEnded,
        EntityRef,
        TaskState,
        TargetState,
        QuarterCoverage,
        PointDuty,
        HazardState,
        Confirmation,
        Step,
        SupersededEvent,
        GridNode,
        MonitoringPoint,
        LastCheck,
        Scope,
        FieldError,
        Reason,
        Warning,
        LoginRequest,
        LoginResponse,
        PushItem,
        PushRequest,
        PushVerdict,
        PushResult,
        PushResponse,
        PulledEvent,
        PullPage,
        ErrorBody,
        ErrorDetail,
        DeductionKind,
        Grade,
        VetoRule,
        AccidentFact,
        Deduction,
        Veto,
        GridAssessment,
    );
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
