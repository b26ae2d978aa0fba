/**
 * Small named documents that survive a restart (settings). The host binding writes a file
 * atomically and keeps the previous copy; the device binding uses flash.
 */
export interface Storage {
	/** The document's text, or undefined when there is none. */
	read(name: string): string | undefined;
	/** Replaces the document; the previous good copy stays readable through readBackup. */
	write(name: string, text: string): void;
	/** The copy that `write` replaced last, or undefined. */
	readBackup(name: string): string | undefined;
}
