import type { Notification, RenderedMessage } from '../contracts/alert.js';

/** Thrown by a channel's `send`: `retriable` says whether trying again later can help. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
  }
}

/** A place notifications go (an email list, a webhook, a paging tool). One interface, one folder each. */
export interface Channel {
  readonly name: string;
  readonly type: 'email' | 'webhook' | 'pagerduty' | 'opsgenie';
  /** Delivers or throws a DeliveryError. Must be safe to call again with the same notification. */
  send(notification: Notification): Promise<void>;
  /**
   * Delivers an already rendered message (a scheduled drift report), where the channel can carry
   * one (email); the same delivery id, retry and error rules as `send`.
   */
  sendMessage?(message: RenderedMessage): Promise<void>;
  /** Releases connections (SMTP pools). */
  close?(): Promise<void> | void;
}
