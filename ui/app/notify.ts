/**
 * How screens tell the user what happened. Errors open a dialog that stays
 * until dismissed (in the field a two-second toast is easily missed); a
 * success is a short toast. Vant renders both with its own locale texts.
 */
import { showDialog, showSuccessToast } from 'vant';
import 'vant/es/dialog/style/index';
import 'vant/es/toast/style/index';
import { errorText } from './api';

export function showError(error: unknown): Promise<void> {
  return showDialog({ message: errorText(error), className: 'gs-error-dialog' }).then(
    () => undefined,
    () => undefined,
  );
}

export function showDone(message: string): void {
  showSuccessToast({ message, duration: 1500 });
}
