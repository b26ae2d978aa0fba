/**
 * Small named documents that survive a restart (settings), each with a second copy (the
 * backup). The storage does not judge a document: its user (SettingsStore) knows what a good
 * one is and decides what goes into the backup. The host binding writes each copy atomically
 * (temp file, fsync, rename); a device binding would use flash.
 */
export interface Storage {
	/** The document's text, or undefined when there is none. */
	read(name: string): string | undefined;
	/** Replaces the document (and only the document: the backup is left as it is). Throws when it cannot. */
	write(name: string, text: string): void;
	/** The backup's text, as `writeBackup` left it, or undefined. */
	readBackup(name: string): string | undefined;
	/** Replaces the backup with `text`, a document the caller has checked. Throws when it cannot. */
	writeBackup(name: string, text: string): void;
}
