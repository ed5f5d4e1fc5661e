import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../context.js';
import {
  ClientFields, ClientPatch, NoteInput, QuoteInput, QuotePatch, addNote, addQuote, convertProspect, createClient, deleteNote, getClient,
  linkProspect, listClients, listProspects, updateClient, updateQuote,
} from '../../domain/crm.js';
import { router } from '../env.js';
import { IdParam, bearer, described, jsonBody, returns } from '../openapi.js';
import * as wire from '../../../contract/wire.js';

const Page = z.object({ search: z.string().trim().max(200).optional(), cursor: z.string().max(500).optional(), limit: z.coerce.number().int().min(1).max(100).optional() });

/** Prospects and clients: conversion, linking, notes and quotes. */
export function crmRoutes(deps: Deps) {
  const app = router();
  const tags = ['crm'];

  app.openapi(createRoute({ method: 'get', path: '/prospects', tags, security: bearer, request: { query: Page }, responses: returns(200, 'A page of prospects', wire.Page(wire.Prospect)) }),
    async (c) => c.json(await listProspects(deps, c.var.actor, c.req.valid('query')), 200));
  app.openapi(createRoute({ method: 'post', path: '/prospects/{id}/convert', tags, security: bearer, request: { params: IdParam, ...jsonBody(ClientFields) }, responses: { ...returns(201, 'The new client and the prospect', wire.ProspectConversion), ...described(409, 'Already a client') } }),
    async (c) => c.json(await convertProspect(deps, c.var.actor, c.req.valid('param').id, c.req.valid('json')), 201));
  app.openapi(createRoute({ method: 'post', path: '/prospects/{id}/link', tags, security: bearer, request: { params: IdParam, ...jsonBody(z.object({ clientId: z.string() })) }, responses: returns(200, 'The client and the prospect', wire.ProspectConversion) }),
    async (c) => c.json(await linkProspect(deps, c.var.actor, c.req.valid('param').id, c.req.valid('json').clientId), 200));

  app.openapi(createRoute({ method: 'get', path: '/clients', tags, security: bearer, request: { query: Page }, responses: returns(200, 'A page of clients', wire.Page(wire.ClientSummary)) }),
    async (c) => c.json(await listClients(deps, c.var.actor, c.req.valid('query')), 200));
  app.openapi(createRoute({ method: 'post', path: '/clients', tags, security: bearer, request: jsonBody(ClientFields), responses: returns(201, 'The client', wire.ClientSummary) }),
    async (c) => c.json(await createClient(deps, c.var.actor, c.req.valid('json')), 201));
  app.openapi(createRoute({ method: 'get', path: '/clients/{id}', tags, security: bearer, request: { params: IdParam }, responses: returns(200, 'The client with notes, quotes and conversations', wire.Client) }),
    async (c) => c.json(await getClient(deps, c.var.actor, c.req.valid('param').id), 200));
  app.openapi(createRoute({ method: 'patch', path: '/clients/{id}', tags, security: bearer, request: { params: IdParam, ...jsonBody(ClientPatch) }, responses: returns(200, 'The client', wire.ClientSummary) }),
    async (c) => c.json(await updateClient(deps, c.var.actor, c.req.valid('param').id, c.req.valid('json')), 200));

  app.openapi(createRoute({ method: 'post', path: '/clients/{id}/notes', tags, security: bearer, request: { params: IdParam, ...jsonBody(NoteInput) }, responses: returns(201, 'The note', wire.Note) }),
    async (c) => c.json(await addNote(deps, c.var.actor, c.req.valid('param').id, c.req.valid('json')), 201));
  app.openapi(createRoute({ method: 'delete', path: '/clients/{id}/notes/{noteId}', tags, security: bearer, request: { params: IdParam.extend({ noteId: z.string() }) }, responses: described(204, 'Deleted') }),
    async (c) => {
      await deleteNote(deps, c.var.actor, c.req.valid('param').id, c.req.valid('param').noteId);
      return c.body(null, 204);
    });
  app.openapi(createRoute({ method: 'post', path: '/clients/{id}/quotes', tags, security: bearer, request: { params: IdParam, ...jsonBody(QuoteInput) }, responses: returns(201, 'The quote and the client (new totalValue)', wire.QuoteChange) }),
    async (c) => c.json(await addQuote(deps, c.var.actor, c.req.valid('param').id, c.req.valid('json')), 201));
  app.openapi(createRoute({ method: 'patch', path: '/clients/{id}/quotes/{quoteId}', tags, security: bearer, request: { params: IdParam.extend({ quoteId: z.string() }), ...jsonBody(QuotePatch) }, responses: returns(200, 'The quote and the client (new totalValue)', wire.QuoteChange) }),
    async (c) => c.json(await updateQuote(deps, c.var.actor, c.req.valid('param').id, c.req.valid('param').quoteId, c.req.valid('json')), 200));
  return app;
}
