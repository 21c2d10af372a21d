/**
 * Thumbnails of stored photos by hash, fetched once per hash and kept for the
 * life of the app. `null` means this device does not hold the photo (it was
 * taken on another phone and only its record came down).
 */
import { reactive } from 'vue';
import { api } from '../api';

const thumbs = reactive(new Map<string, string | null>());
const asked = new Set<string>();

export function usePhotoThumbs(onError: (error: unknown) => void) {
  function want(hashes: readonly string[]): void {
    for (const hash of hashes) {
      if (asked.has(hash)) continue;
      asked.add(hash);
      api.photoThumb(hash).then(
        (thumb) => thumbs.set(hash, thumb),
        (error) => {
          asked.delete(hash);
          onError(error);
        },
      );
    }
  }
  return { thumbs, want };
}
