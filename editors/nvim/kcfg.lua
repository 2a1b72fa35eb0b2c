-- kcfg's language server in Neovim (0.7 or later), with the built-in client.
-- Put this file in your configuration (e.g. ~/.config/nvim/lua/kcfg.lua) and
-- `require('kcfg')` from init.lua.

-- .kcfg files are kcfg; Jsonnet files keep their own filetype, served too.
vim.filetype.add({ extension = { kcfg = 'kcfg' } })

-- The server's settings (editors/README.md). External variables and top-level
-- arguments as `kcfg eval` takes them, e.g. extVars = { env = 'prod' },
-- extCode = { replicas = '3' }, tlas = { cluster = 'edge-1' }, tlaCode = {}.
local settings = { kcfg = { jpath = {}, extVars = {}, extCode = {}, tlas = {}, tlaCode = {} } }

-- With nvim-lspconfig installed: register the server once, then set it up.
local ok, configs = pcall(require, 'lspconfig.configs')
if ok then
  local util = require('lspconfig.util')
  if not configs.kcfg then
    configs.kcfg = {
      default_config = {
        cmd = { 'kcfg', 'lsp' },
        filetypes = { 'kcfg', 'jsonnet', 'libsonnet' },
        root_dir = util.root_pattern('render.kcfg', 'jsonnetfile.json', 'tkrc.yaml', '.git'),
        single_file_support = true,
        init_options = settings,
      },
    }
  end
  require('lspconfig').kcfg.setup({})
  return
end

-- Without nvim-lspconfig: start the client for each kcfg / Jsonnet buffer.
vim.api.nvim_create_autocmd('FileType', {
  pattern = { 'kcfg', 'jsonnet', 'libsonnet' },
  callback = function(args)
    local markers = vim.fs and vim.fs.find or nil
    local root = vim.fn.getcwd()
    if markers then
      local found = vim.fs.find({ 'render.kcfg', 'jsonnetfile.json', 'tkrc.yaml', '.git' }, {
        upward = true,
        path = vim.fs.dirname(vim.api.nvim_buf_get_name(args.buf)),
      })[1]
      if found then
        root = vim.fs.dirname(found)
      end
    end
    local id = vim.lsp.start_client({
      name = 'kcfg',
      cmd = { 'kcfg', 'lsp' },
      root_dir = root,
      init_options = settings,
    })
    if id then
      vim.lsp.buf_attach_client(args.buf, id)
    end
  end,
})
