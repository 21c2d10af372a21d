/**
 * A Leaflet map with the server's tile source (天地图, OSM, ...) or, when
 * none is configured or reachable, a plain background: the points are the
 * information, the tiles only context.
 */
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';

// leaflet.markercluster is a script-era plugin that extends the global `L`.
(globalThis as unknown as { L: typeof L }).L = L;
import { api, type ConsoleConfig } from '../api';

let config: Promise<ConsoleConfig> | null = null;

export function consoleConfig(): Promise<ConsoleConfig> {
  if (!config) {
    config = api.config();
    config.catch(() => {
      config = null;
    });
  }
  return config;
}

export async function createMap(el: HTMLElement, center: [number, number], zoom: number) {
  const cfg = await consoleConfig();
  // maxZoom is set on the map itself: with no tile layer nothing else gives one.
  const map = L.map(el, { center, zoom, maxZoom: 18, attributionControl: !!cfg.tiles_url });
  if (cfg.tiles_url) {
    L.tileLayer(cfg.tiles_url, {
      subdomains: cfg.tiles_subdomains.length ? cfg.tiles_subdomains : 'abc',
      attribution: cfg.tiles_attribution ?? '',
      maxZoom: 18,
    }).addTo(map);
  }
  return { map, cfg };
}

/** A round marker in a colour, drawn as a vector (no image to load). */
export function dot(latlng: [number, number], color: string, radius = 8) {
  return L.circleMarker(latlng, {
    radius,
    color: '#fff',
    weight: 2,
    fillColor: color,
    fillOpacity: 0.9,
  });
}

export const STATUS_COLORS: Record<string, string> = {
  reported: '#e6a23c',
  confirmed: '#409eff',
  rectifying: '#409eff',
  rectified: '#67c23a',
  verified: '#2e7d32',
  closed: '#909399',
  rejected: '#c0c4cc',
};

export const VERDICT_COLORS: Record<string, string> = {
  normal: '#67c23a',
  abnormal: '#e6a23c',
  danger: '#f56c6c',
  none: '#909399',
};

export { L };
