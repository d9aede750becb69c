// The running kernel's boot id (a container reads the host's): rlp-import's resume record trusts
// unsynced bytes only on the boot that wrote them, and restore-snapshot names its staging dir by it.
import { readFile } from 'node:fs/promises';

export const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

/** The running kernel's boot id, or undefined where there is none (then every save syncs first). */
export async function readBootId(path = BOOT_ID_PATH): Promise<string | undefined> {
  try {
    const id = (await readFile(path, 'utf8')).trim();
    return id === '' ? undefined : id;
  } catch {
    return undefined;
  }
}
