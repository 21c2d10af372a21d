/**
 * Photos being attached to one record. Each chosen file goes to the native
 * side at once (it resizes, hashes and stores it), so nothing depends on the
 * webview keeping the image; the record then cites the returned hashes.
 */
import { computed, ref } from 'vue';
import { api, errorText, type PhotoRef } from '../api';

export function usePhotos(onError: (message: string) => void) {
  const photos = ref<PhotoRef[]>([]);
  const adding = ref(0);
  let inFlight: Promise<unknown> = Promise.resolve();

  async function addOne(file: Blob): Promise<void> {
    adding.value += 1;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const photo = await api.addPhoto(bytes);
      // The same picture chosen twice is one photo.
      if (!photos.value.some((p) => p.hash === photo.hash)) photos.value.push(photo);
    } catch (error) {
      onError(errorText(error));
    } finally {
      adding.value -= 1;
    }
  }

  /** Stores the files in the order chosen; resolves when all are stored. */
  function addFiles(files: Iterable<Blob>): Promise<void> {
    const list = [...files];
    const run = inFlight.then(async () => {
      for (const file of list) await addOne(file);
    });
    inFlight = run;
    return run;
  }

  function remove(hash: string): void {
    photos.value = photos.value.filter((p) => p.hash !== hash);
  }

  /** Waits for photos still being stored, so a record never cites a missing one. */
  async function settled(): Promise<string[]> {
    await inFlight;
    return photos.value.map((p) => p.hash);
  }

  const hashes = computed(() => photos.value.map((p) => p.hash));

  return { photos, adding, hashes, addFiles, remove, settled };
}

export type PhotoSet = ReturnType<typeof usePhotos>;
