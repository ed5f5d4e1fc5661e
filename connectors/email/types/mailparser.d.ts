// Minimal typings for the parts of mailparser 3.9 this connector uses (the package ships none,
// and @types/mailparser is not a dependency). https://nodemailer.com/extras/mailparser/
declare module 'mailparser' {
  import type { Readable } from 'node:stream';

  export interface EmailAddress {
    address?: string;
    name: string;
    group?: EmailAddress[];
  }
  export interface AddressObject {
    value: EmailAddress[];
    html: string;
    text: string;
  }
  export interface StructuredHeader {
    value: string;
    params: Record<string, string>;
  }
  export type HeaderValue = string | string[] | AddressObject | Date | StructuredHeader;
  export type Headers = Map<string, HeaderValue>;

  export interface Attachment {
    type: 'attachment';
    content: Buffer;
    contentType: string;
    contentDisposition?: string;
    filename?: string;
    partId?: string;
    headers: Headers;
    checksum: string;
    size: number;
    contentId?: string;
    cid?: string;
    related?: boolean;
  }

  export interface ParsedMail {
    headers: Headers;
    headerLines: { key: string; line: string }[];
    attachments: Attachment[];
    text?: string;
    html?: string | false;
    textAsHtml?: string;
    subject?: string;
    references?: string | string[];
    date?: Date;
    to?: AddressObject | AddressObject[];
    from?: AddressObject;
    cc?: AddressObject | AddressObject[];
    bcc?: AddressObject | AddressObject[];
    replyTo?: AddressObject;
    messageId?: string;
    inReplyTo?: string;
    priority?: 'normal' | 'low' | 'high';
  }

  export interface ParserOptions {
    skipHtmlToText?: boolean;
    skipImageLinks?: boolean;
    skipTextToHtml?: boolean;
    skipTextLinks?: boolean;
    keepCidLinks?: boolean;
    keepDeliveryStatus?: boolean;
    maxHtmlLengthToParse?: number;
    Iconv?: unknown;
  }

  export function simpleParser(source: string | Buffer | Readable, options?: ParserOptions): Promise<ParsedMail>;
}
