import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../api/http';
import type { Client, ClientFields, ClientSummary, Conversation, Note, Page, Prospect, ProspectConversion, Quote, QuoteChange } from '../api/types';
import { useConversationsStore } from './conversations';

const clientPath = (id: string, rest = '') => `/api/clients/${encodeURIComponent(id)}${rest}`;
const prospectPath = (id: string, rest: string) => `/api/prospects/${encodeURIComponent(id)}${rest}`;

export type QuoteFields = Pick<Quote, 'title' | 'amount' | 'currency' | 'status'>;

/**
 * The contact panel: prospects, clients with their notes and quotes, conversion and linking.
 * All over REST (`/api/prospects`, `/api/clients`: the socket has only some of these);
 * live prospect changes arrive as `prospect_updated` through the socket store.
 */
export const useCrmStore = defineStore('crm', () => {
  const convs = useConversationsStore();
  const prospects = ref<Record<string, Prospect>>({});
  /** Clients as their panel shows them, by id. */
  const clients = ref<Record<string, Client>>({});

  function upsertProspect(p: Prospect) {
    if (!p?.id) return;
    prospects.value[p.id] = p;
    for (const c of Object.values(convs.conversations)) {
      if (c.prospectId !== p.id) continue;
      c.prospect = { ...(c.prospect ?? { identifier: p.identifier }), name: p.name, identifier: p.identifier, avatar: p.avatar };
      if (p.clientId) {
        c.clientId = p.clientId;
        c.isClientConverted = true;
      }
    }
  }

  /** The conversation's prospect, found by what the conversation knows of it. */
  async function loadProspect(c: Conversation): Promise<Prospect | undefined> {
    if (prospects.value[c.prospectId]) return prospects.value[c.prospectId];
    const search = c.prospect?.identifier ?? c.prospect?.name;
    try {
      const page = await api<Page<Prospect>>('GET', `/api/prospects${search ? `?${new URLSearchParams({ search })}` : ''}`);
      for (const p of page.items) prospects.value[p.id] = p;
    } catch { /* fall back to what the conversation carries */ }
    return prospects.value[c.prospectId];
  }

  const loading = new Map<string, Promise<Client>>();
  /** One request per client at a time, however many callers ask. */
  function loadClient(id: string): Promise<Client> {
    let p = loading.get(id);
    if (!p) {
      p = api<Client>('GET', clientPath(id))
        .then((c) => (clients.value[id] = { ...c, notes: c.notes ?? [], quotes: c.quotes ?? [], tags: c.tags ?? [] }))
        .finally(() => loading.delete(id));
      loading.set(id, p);
    }
    return p;
  }

  /** The conversation now belongs to this client (converted or linked): shown at once, then loaded in full. */
  function attach(conversation: Conversation, res: ProspectConversion) {
    if (res.prospect) upsertProspect(res.prospect);
    const cl = res.client;
    convs.upsertConversation({ ...conversation, clientId: cl.id, isClientConverted: true });
    const known = clients.value[cl.id];
    clients.value[cl.id] = { ...cl, notes: known?.notes ?? [], quotes: known?.quotes ?? [], tags: cl.tags ?? [] };
    void loadClient(cl.id).catch(() => undefined);
  }

  async function convert(conversation: Conversation, fields: ClientFields) {
    attach(conversation, await api<ProspectConversion>('POST', prospectPath(conversation.prospectId, '/convert'), fields));
  }

  async function link(conversation: Conversation, clientId: string) {
    attach(conversation, await api<ProspectConversion>('POST', prospectPath(conversation.prospectId, '/link'), { clientId }));
  }

  async function searchClients(search: string): Promise<ClientSummary[]> {
    return (await api<Page<ClientSummary>>('GET', `/api/clients?${new URLSearchParams({ search })}`)).items;
  }

  function change(id: string, fn: (c: Client) => Partial<Client>) {
    const c = clients.value[id];
    if (c) clients.value[id] = { ...c, ...fn(c) };
  }

  async function addNote(clientId: string, content: string) {
    const note = await api<Note>('POST', clientPath(clientId, '/notes'), { content });
    change(clientId, (c) => ({ notes: [note, ...c.notes.filter((n) => n.id !== note.id)] }));
  }

  async function deleteNote(clientId: string, noteId: string) {
    await api('DELETE', clientPath(clientId, `/notes/${encodeURIComponent(noteId)}`));
    change(clientId, (c) => ({ notes: c.notes.filter((n) => n.id !== noteId) }));
  }

  /** A quote added or changed, and the client's new total. */
  function applyQuote(clientId: string, { quote, client }: QuoteChange) {
    change(clientId, (c) => ({ totalValue: client.totalValue, totals: client.totals, quotes: c.quotes.some((q) => q.id === quote.id) ? c.quotes.map((q) => (q.id === quote.id ? quote : q)) : [quote, ...c.quotes] }));
  }

  async function addQuote(clientId: string, fields: QuoteFields) {
    applyQuote(clientId, await api<QuoteChange>('POST', clientPath(clientId, '/quotes'), fields));
  }

  async function setQuoteStatus(clientId: string, quoteId: string, status: Quote['status']) {
    applyQuote(clientId, await api<QuoteChange>('PATCH', clientPath(clientId, `/quotes/${encodeURIComponent(quoteId)}`), { status }));
  }

  function reset() {
    prospects.value = {};
    clients.value = {};
  }

  return { prospects, clients, upsertProspect, loadProspect, loadClient, convert, link, searchClients, addNote, deleteNote, addQuote, setQuoteStatus, reset };
});
