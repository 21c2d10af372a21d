/** What the timeline shows of each event: its note lines and the photos it cites. */
import type { EventBody } from '../shared/generated/types';

export type NoteLine = { label?: string; text: string };

/** Labels are i18n keys under `timeline.`; texts are the record's own words. */
export function eventNotes(body: EventBody): NoteLine[] {
  const lines: NoteLine[] = [];
  const add = (text: string | null | undefined, label?: string) => {
    if (text) lines.push(label ? { label, text } : { text });
  };
  switch (body.type) {
    case 'hazard_reported':
      add(body.data.description);
      add(body.data.place, 'place');
      break;
    case 'hazard_confirmed':
      add(body.data.owner, 'owner');
      add(body.data.deadline, 'deadline');
      add(body.data.measures, 'measures');
      add(body.data.funds_yuan != null ? String(body.data.funds_yuan) : null, 'funds');
      add(body.data.contingency_plan, 'plan');
      add(body.data.note);
      break;
    case 'rectification_submitted':
      add(body.data.note);
      break;
    case 'rectification_sent_back':
    case 'hazard_rejected':
      add(body.data.reason, 'reason');
      break;
    case 'hazard_reopened':
      add(body.data.reason, 'reason');
      add(body.data.deadline, 'deadline');
      break;
    case 'rectification_started':
    case 'rectification_verified':
    case 'hazard_listed':
    case 'hazard_closed':
      add(body.data.note);
      break;
    case 'check_logged':
      add(body.data.note);
      break;
    case 'accident_reported':
      add(body.data.description);
      break;
  }
  return lines;
}

export function eventPhotos(body: EventBody): string[] {
  switch (body.type) {
    case 'hazard_reported':
    case 'rectification_submitted':
    case 'check_logged':
    case 'accident_reported':
      return body.data.photos;
    default:
      return [];
  }
}
