/**
 * Where the user stands: the single place that reads the position, so the
 * Android build can swap navigator.geolocation for the native plugin here.
 * A fix of exactly 0,0 ("null island") is what a receiver reports when it has
 * nothing, so it is never kept as a location; the user can type one instead.
 */
import { computed, ref } from 'vue';
import type { LocationFix } from '../api';

/** Beyond this the fix may point at the wrong house or field: warn. */
export const POOR_ACCURACY_M = 50;
const TIMEOUT_MS = 20_000;

export type LocationProblem = 'unsupported' | 'denied' | 'unavailable' | 'timeout' | 'null_island';

/** True for 0,0 (and anything within a few centimetres of it). */
export function isNullIsland(lat: number, lon: number): boolean {
  return Math.abs(lat) < 1e-6 && Math.abs(lon) < 1e-6;
}

function validCoordinates(lat: number, lon: number): boolean {
  return (
    Number.isFinite(lat) &&
    Number.isFinite(lon) &&
    Math.abs(lat) <= 90 &&
    Math.abs(lon) <= 180 &&
    !isNullIsland(lat, lon)
  );
}

/** A receiver position as a fix, or null when it is no position at all. */
export function fixFromPosition(position: {
  coords: { latitude: number; longitude: number; accuracy: number | null };
  timestamp: number;
}): LocationFix | null {
  const { latitude: lat, longitude: lon, accuracy } = position.coords;
  if (!validCoordinates(lat, lon)) return null;
  return {
    lat,
    lon,
    accuracy_m: accuracy != null && Number.isFinite(accuracy) ? Math.round(accuracy) : null,
    fixed_at: new Date(position.timestamp || Date.now()).toISOString(),
    source: 'gps',
  };
}

/** Coordinates typed by the user, or null when they are not a place on earth. */
export function manualFix(lat: number, lon: number, now = new Date()): LocationFix | null {
  if (!validCoordinates(lat, lon)) return null;
  return { lat, lon, accuracy_m: null, fixed_at: now.toISOString(), source: 'manual' };
}

export function isPoorAccuracy(fix: LocationFix | null): boolean {
  return fix?.accuracy_m != null && fix.accuracy_m > POOR_ACCURACY_M;
}

export function useLocation() {
  const fix = ref<LocationFix | null>(null);
  const locating = ref(false);
  const problem = ref<LocationProblem | null>(null);
  const poor = computed(() => isPoorAccuracy(fix.value));

  function locate(): Promise<LocationFix | null> {
    const geo = typeof navigator !== 'undefined' ? navigator.geolocation : undefined;
    if (!geo) {
      problem.value = 'unsupported';
      return Promise.resolve(null);
    }
    locating.value = true;
    problem.value = null;
    return new Promise((resolve) => {
      geo.getCurrentPosition(
        (position) => {
          locating.value = false;
          const next = fixFromPosition(position);
          // A 0,0 answer is no answer: keep whatever fix we had before.
          if (next) fix.value = next;
          else problem.value = 'null_island';
          resolve(next);
        },
        (error) => {
          locating.value = false;
          problem.value =
            error.code === error.PERMISSION_DENIED
              ? 'denied'
              : error.code === error.TIMEOUT
                ? 'timeout'
                : 'unavailable';
          resolve(null);
        },
        { enableHighAccuracy: true, timeout: TIMEOUT_MS, maximumAge: 30_000 },
      );
    });
  }

  /** Keeps a hand-entered position; false (and nothing kept) when it is not valid. */
  function setManual(lat: number, lon: number): boolean {
    const next = manualFix(lat, lon);
    if (!next) return false;
    fix.value = next;
    problem.value = null;
    return true;
  }

  return { fix, locating, problem, poor, locate, setManual };
}

export type LocationState = ReturnType<typeof useLocation>;
