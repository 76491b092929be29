/** Outlook and presence schema types (microsoft.graph namespace), trimmed to what the controller uses. */

/** `microsoft.graph.emailAddress`. */
export interface EmailAddress {
  readonly address?: string | null;
  readonly name?: string | null;
}

/** `microsoft.graph.contact` (personal contact). */
export interface Contact {
  readonly id: string;
  readonly displayName?: string | null;
  readonly givenName?: string | null;
  readonly surname?: string | null;
  readonly companyName?: string | null;
  readonly jobTitle?: string | null;
  readonly mobilePhone?: string | null;
  readonly businessPhones?: readonly string[];
  readonly homePhones?: readonly string[];
  readonly emailAddresses?: readonly EmailAddress[];
  readonly parentFolderId?: string | null;
  readonly changeKey?: string | null;
  readonly lastModifiedDateTime?: string | null;
}

/** `microsoft.graph.recipient`. */
export interface Recipient {
  readonly emailAddress: EmailAddress;
}

/** `microsoft.graph.message`, the subset `sendMail` needs. */
export interface MailMessage {
  readonly subject: string;
  readonly body: { readonly contentType: 'Text' | 'HTML'; readonly content: string };
  readonly toRecipients: readonly Recipient[];
  readonly ccRecipients?: readonly Recipient[];
  readonly replyTo?: readonly Recipient[];
  /** Custom headers; names must start with `x-`. */
  readonly internetMessageHeaders?: readonly { readonly name: string; readonly value: string }[];
}

/** `microsoft.graph.outOfOfficeSettings`. */
export interface OutOfOfficeSettings {
  readonly isOutOfOffice?: boolean | null;
  readonly message?: string | null;
}

/** `microsoft.graph.presence`. `availability` and `activity` are open strings (new values appear over time). */
export interface Presence {
  readonly id: string;
  readonly availability?: string | null;
  readonly activity?: string | null;
  readonly sequenceNumber?: string | null;
  readonly outOfOfficeSettings?: OutOfOfficeSettings | null;
  readonly statusMessage?: unknown;
}
