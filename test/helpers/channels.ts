// What the tests of the HTTP channels assert about a failed send.
import assert from 'node:assert/strict';
import { HttpDeliveryError } from '../../src/alerts/channels/http-status.js';
import { type Channel, DeliveryError } from '../../src/alerts/types.js';
import type { Notification } from '../../src/contracts/alert.js';
import { fakeNotification } from './notifications.js';

/** Sends and expects the channel to throw an HttpDeliveryError (a DeliveryError with the status); returns it. */
export async function httpFailure(channel: Channel, notification: Notification = fakeNotification()): Promise<HttpDeliveryError> {
  try {
    await channel.send(notification);
  } catch (error) {
    assert.ok(error instanceof DeliveryError && error instanceof HttpDeliveryError, String(error));
    return error;
  }
  assert.fail('send succeeded, expected a DeliveryError');
}
